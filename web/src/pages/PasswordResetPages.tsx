import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useConfirmPasswordReset, useRequestPasswordReset } from '../api/queries.ts';
import { ErrorMessage, Notice } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { useI18n } from '../i18n/i18n.tsx';

/** Asks for a reset link by email; the answer is the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  const { t } = useI18n();
  const request = useRequestPasswordReset();
  const [email, setEmail] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    request.mutate(email);
  };

  return (
    <div className="narrow">
      <h1>{t('reset.forgotTitle')}</h1>
      {request.isSuccess ? (
        <Notice>{t('reset.sent')}</Notice>
      ) : (
        <form onSubmit={submit} className="card form">
          <p>{t('reset.forgotIntro')}</p>
          <Field label={t('signIn.email')}>
            <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          {request.isError && <ErrorMessage error={request.error} />}
          <button type="submit" className="button" disabled={request.isPending}>
            {t('reset.send')}
          </button>
        </form>
      )}
      <p>
        <Link to="/">{t('reset.backToSignIn')}</Link>
      </p>
    </div>
  );
}

/** The page the mailed link opens: a new password, typed twice, set with the link's token. */
export function ResetPasswordPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const confirm = useConfirmPasswordReset();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = again !== '' && again !== password;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!mismatch) confirm.mutate({ token, password });
  };

  if (!token)
    return (
      <div className="narrow">
        <h1>{t('reset.title')}</h1>
        <p role="alert" className="alert alert-error">
          {t('reset.noToken')}
        </p>
        <p>
          <Link to="/forgot-password">{t('reset.askAgain')}</Link>
        </p>
      </div>
    );

  return (
    <div className="narrow">
      <h1>{t('reset.title')}</h1>
      {confirm.isSuccess ? (
        <>
          <Notice>{t('reset.done')}</Notice>
          <p>
            <Link to="/">{t('reset.backToSignIn')}</Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit} className="card form">
          <Field label={t('reset.newPassword')} hint={t('reset.passwordHint')}>
            <input type="password" name="password" autoComplete="new-password" minLength={8} required value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          <Field label={t('reset.repeatPassword')}>
            <input type="password" name="again" autoComplete="new-password" minLength={8} required value={again} onChange={(e) => setAgain(e.target.value)} />
          </Field>
          {mismatch && (
            <p role="alert" className="alert alert-error">
              {t('reset.mismatch')}
            </p>
          )}
          {confirm.isError && (
            <>
              <ErrorMessage error={confirm.error} />
              <p>
                <Link to="/forgot-password">{t('reset.askAgain')}</Link>
              </p>
            </>
          )}
          <button type="submit" className="button" disabled={confirm.isPending || mismatch}>
            {t('reset.submit')}
          </button>
        </form>
      )}
    </div>
  );
}
