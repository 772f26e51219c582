import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useSignIn, useSsoChoices, useTenant } from '../api/queries.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { useI18n } from '../i18n/i18n.tsx';

export function SignInPage() {
  const { t } = useI18n();
  const tenant = useTenant();
  const signIn = useSignIn();
  const sso = useSsoChoices();
  // A single sign-on that failed comes back here with the server's sentence (routes/oidc-sign-in.ts).
  const [params] = useSearchParams();
  const ssoMessage = params.get('ssoMessage');
  const passwords = sso.data?.localPasswords ?? true;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // Once signed in, the address asked for is shown (a ticket link from an email, say).
    signIn.mutate({ email, password });
  };

  return (
    <div className="narrow">
      <h1>{t('signIn.title', { name: tenant.data?.name ?? '' })}</h1>
      {ssoMessage && (
        <div role="alert" className="alert alert-error">
          {t('signIn.ssoFailed')} {ssoMessage}
        </div>
      )}
      {(sso.data?.connections.length ?? 0) > 0 && (
        <div className="card form sso-choices">
          {sso.data!.connections.map((c) => (
            <a key={c.id} className="button" href={`/api/v1/auth/oidc/${encodeURIComponent(c.id)}`}>
              {t('signIn.with', { name: c.name })}
            </a>
          ))}
        </div>
      )}
      {passwords && (
        <form onSubmit={submit} className="card form">
          <Field label={t('signIn.email')}>
            <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field label={t('signIn.password')}>
            <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          {signIn.isError && <ErrorMessage error={signIn.error} codes={{ UNAUTHENTICATED: 'error.signInFailed' }} />}
          <button type="submit" className="button" disabled={signIn.isPending}>
            {t('signIn.submit')}
          </button>
        </form>
      )}
      {passwords && (
        <p>
          <Link to="/forgot-password">{t('signIn.forgot')}</Link>
        </p>
      )}
      {!tenant.data?.serviceProvider && (
        <p>
          <Link to="/status">{t('signIn.guest')}</Link>
        </p>
      )}
    </div>
  );
}
