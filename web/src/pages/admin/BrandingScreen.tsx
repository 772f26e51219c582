import { useState, type ChangeEvent, type FormEvent } from 'react';
import { useUpdateBranding } from '../../api/admin-queries.ts';
import type { BrandingChange } from '../../api/admin-types.ts';
import type { TenantInfo } from '../../api/types.ts';
import { brandColour, contrastWithWhite } from '../../components/branding.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormFooter } from './AdminParts.tsx';

const MAX_LOGO_BYTES = 70_000; // 100 kB once base64-encoded, the server's limit
const COLOUR = /^#[0-9a-f]{6}$/i;

/** A picture file as a data: URL, the form the branding keeps a logo in. */
const readAsDataUrl = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });

/** What the top bar will look like with these values. */
function Preview({ tenant, name, colour, logo }: { tenant: TenantInfo; name: string; colour: string; logo: string }) {
  const { t } = useI18n();
  const shown = brandColour({ ...tenant, branding: { primaryColor: colour } });
  return (
    <figure className="brand-preview">
      <figcaption className="muted small">{t('brand.preview')}</figcaption>
      <div className="topbar" style={{ background: shown }}>
        <span className="brand">
          {logo ? <img className="brand-logo" src={logo} alt="" /> : <span className="brand-mark" style={{ color: shown }} aria-hidden="true">{name.slice(0, 1)}</span>}
          <span className="brand-name">{name}</span>
        </span>
      </div>
    </figure>
  );
}

/** This help desk's name, brand colour and logo; saved, every page of its host takes them at once. */
export function BrandingScreen({ tenant }: { tenant: TenantInfo }) {
  const { t } = useI18n();
  const update = useUpdateBranding();
  const [name, setName] = useState(tenant.name);
  const [colour, setColour] = useState(tenant.branding?.primaryColor ?? '#1d4ed8');
  const [logo, setLogo] = useState(tenant.branding?.logoUrl ?? '');
  const [fileError, setFileError] = useState<string | null>(null);
  const ratio = COLOUR.test(colour) ? contrastWithWhite(colour) : undefined;

  const chooseFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    setFileError(file.size > MAX_LOGO_BYTES ? t('brand.tooBig') : null);
    if (file.size <= MAX_LOGO_BYTES) setLogo(await readAsDataUrl(file));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const change: BrandingChange = { name: name.trim(), primaryColor: colour.trim() || null, logoUrl: logo.trim() || null };
    update.mutate(change);
  };

  return (
    <section>
      <h2>{t('admin.branding')}</h2>
      <p className="muted small">{t('brand.intro')}</p>
      <form className="card form" onSubmit={submit}>
        <Field label={t('brand.name')}>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('brand.colour')} hint={t('brand.colourHint')}>
          <input className="mono" required pattern="#[0-9a-fA-F]{6}" value={colour} onChange={(e) => setColour(e.target.value)} />
        </Field>
        <div className="colour-row">
          <input type="color" aria-label={t('brand.colourPicker')} value={COLOUR.test(colour) ? colour.toLowerCase() : '#000000'} onChange={(e) => setColour(e.target.value)} />
          {ratio !== undefined && (
            <span className={ratio < 4.5 ? 'alert-inline-error' : 'muted'} aria-live="polite">
              {t('brand.contrast', { ratio: ratio.toFixed(1) })}
              {ratio < 4.5 && ` — ${t('brand.lowContrast')}`}
            </span>
          )}
        </div>
        <fieldset className="logo-field">
          <legend>{t('brand.logo')}</legend>
          <p className="hint">{t('brand.logoHint')}</p>
          <Field label={t('brand.logoFile')}>
            <input type="file" accept="image/png,image/jpeg,image/gif,image/webp,image/svg+xml" onChange={(e) => void chooseFile(e)} />
          </Field>
          <Field label={t('brand.logoPath')}>
            <input value={logo.startsWith('data:') ? '' : logo} placeholder="/logo.png" onChange={(e) => setLogo(e.target.value)} />
          </Field>
          {fileError && <ErrorMessage error={new Error(fileError)} />}
          {logo ? (
            <button type="button" className="button secondary small" onClick={() => setLogo('')}>
              {t('brand.removeLogo')}
            </button>
          ) : (
            <p className="muted small">{t('brand.noLogo')}</p>
          )}
        </fieldset>
        <Preview tenant={tenant} name={name || tenant.name} colour={colour} logo={logo} />
        <FormFooter mutation={update} label={t('actions.save')} done={t('brand.saved')} />
      </form>
    </section>
  );
}
