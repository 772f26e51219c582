import { hash, verify } from '@node-rs/argon2';

// @node-rs/argon2 exports its Algorithm as a const enum, which isolated modules cannot import.
const ARGON2ID = 2;

/** Passwords are stored as argon2id hashes (OWASP's first choice), never in clear. */
export async function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

// Verified when no account matches, so a wrong email costs as long as a wrong password.
const DECOY = hashPassword('decoy password that matches no account');

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  try {
    if (!stored) {
      await verify(await DECOY, password);
      return false;
    }
    return await verify(stored, password);
  } catch {
    return false;
  }
}
