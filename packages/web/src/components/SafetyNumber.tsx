/** A safety number as digit groups and a QR code, with "mark as verified" (pure view). */
import { encode } from 'uqr';
import { Rich } from '../i18n/Rich.js';
import { t } from '../i18n/t.js';

/** A QR code drawn as one SVG path (no inline markup strings, so nothing to sanitise). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const qr = encode(text, { border: 2, ecc: 'M' });
  let d = '';
  qr.data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    });
  });
  return (
    <svg
      className="qr"
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

interface Props {
  contact: string;
  groups: string[];
  qrPayload: string;
  verified: boolean;
  busy: boolean;
  onMarkVerified: () => void;
}

/** Safety number screen: 60 digits in 12 groups and a QR code, and "mark as verified" (pure view). */
export function SafetyNumberView({ contact, groups, qrPayload, verified, busy, onMarkVerified }: Props) {
  return (
    <div className="safety">
      <p>
        <Rich id="safety.compare" values={{ contact }} />
      </p>
      <p className="safety-digits" data-testid="safety-number">
        {groups.map((g, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the 12 groups are positional.
          <span key={i}>{g}</span>
        ))}
      </p>
      <QrCode text={qrPayload} label={t('safety.qr', { contact })} />
      {verified ? (
        <p className="verified" role="status">
          ✔ {t('safety.verified', { contact })}
        </p>
      ) : (
        <button type="button" className="primary" onClick={onMarkVerified} disabled={busy}>
          {t('safety.markVerified')}
        </button>
      )}
    </div>
  );
}
