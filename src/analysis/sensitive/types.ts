// The registry of sensitive data types: name, category, default severity, and how context moves
// the confidence of a match (field-name tokens that raise it, and how much a negative context lowers it).

export type Category = 'PCI' | 'PII' | 'FINANCIAL' | 'CREDENTIALS' | 'NETWORK';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface SensitiveType {
  name: string;
  category: Category;
  severity: Severity;
  description: string;
  /** Field-name / nearby-word tokens (lower case) that raise the confidence. */
  positive: readonly string[];
  /** Added when the context has a positive token for this type. */
  boost: number;
  /** Subtracted when the context is negative (id, timestamp, count, ...). */
  penalty: number;
}

const t = (name: string, category: Category, severity: Severity, description: string, positive: string[], boost: number, penalty: number): SensitiveType => ({
  name, category, severity, description, positive, boost, penalty,
});

export const TYPES: readonly SensitiveType[] = [
  t('CREDIT_CARD', 'PCI', 'high', 'Payment card number (Luhn and issuer range)', ['card', 'cc', 'pan', 'creditcard', 'debitcard', 'cardnumber', 'ccnumber', 'ccnum', 'visa', 'mastercard', 'amex', 'payment'], 0.25, 0.6),
  t('IBAN', 'FINANCIAL', 'high', 'International bank account number (mod-97, per-country length)', ['iban', 'bank', 'account', 'acct', 'bban', 'sepa'], 0.1, 0.5),
  t('US_SSN', 'PII', 'high', 'US social security number (invalid areas and groups rejected)', ['ssn', 'socialsecurity', 'security', 'sss', 'taxpayer'], 0.45, 0.6),
  t('EMAIL', 'PII', 'medium', 'E-mail address', ['email', 'mail', 'emailaddress', 'contact'], 0.05, 0.2),
  t('PHONE_NUMBER', 'PII', 'medium', 'Telephone number (libphonenumber-js)', ['phone', 'mobile', 'tel', 'telephone', 'cell', 'cellphone', 'fax', 'msisdn', 'contact', 'call', 'sms', 'whatsapp', 'landline'], 0.35, 0.6),
  t('IPV4', 'NETWORK', 'low', 'IPv4 address', ['ip', 'ipv4', 'addr', 'remote', 'client', 'host', 'forwarded', 'source', 'src', 'dst', 'peer', 'server'], 0.2, 0.5),
  t('IPV6', 'NETWORK', 'low', 'IPv6 address', ['ip', 'ipv6', 'addr', 'remote', 'client', 'host', 'forwarded', 'source', 'src', 'dst', 'peer', 'server'], 0.2, 0.5),
  t('JWT', 'CREDENTIALS', 'high', 'JSON Web Token (header and payload parsed)', ['jwt', 'token', 'bearer', 'authorization', 'auth', 'idtoken', 'session'], 0.05, 0.3),
  t('PASSWORD', 'CREDENTIALS', 'critical', 'Password by field name, or HTTP Basic credentials', ['password', 'passwd', 'pwd', 'passphrase', 'passcode'], 0, 0),
  t('SECRET', 'CREDENTIALS', 'high', 'High-entropy secret under a secret-like field name', ['secret', 'token', 'apikey'], 0, 0),
  t('AWS_ACCESS_KEY', 'CREDENTIALS', 'critical', 'AWS access key id (AKIA/ASIA)', ['aws', 'access', 'key'], 0.05, 0.3),
  t('AWS_SECRET_KEY', 'CREDENTIALS', 'critical', 'AWS secret access key (by field name)', ['aws', 'secret'], 0, 0),
  t('GOOGLE_API_KEY', 'CREDENTIALS', 'high', 'Google Cloud API key (AIza...)', ['google', 'gcp', 'key'], 0.05, 0.3),
  t('GITHUB_TOKEN', 'CREDENTIALS', 'critical', 'GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)', ['github', 'gh', 'token'], 0.05, 0.3),
  t('GITLAB_TOKEN', 'CREDENTIALS', 'critical', 'GitLab personal access token (glpat-)', ['gitlab', 'token'], 0.05, 0.3),
  t('SLACK_TOKEN', 'CREDENTIALS', 'high', 'Slack token (xoxb-, xoxp-, ...) or incoming webhook URL', ['slack', 'token', 'webhook'], 0.05, 0.3),
  t('STRIPE_KEY', 'CREDENTIALS', 'critical', 'Stripe secret or restricted key (sk_/rk_ live and test)', ['stripe', 'key'], 0.05, 0.3),
  t('SENDGRID_KEY', 'CREDENTIALS', 'high', 'SendGrid API key (SG.)', ['sendgrid', 'key'], 0.05, 0.3),
  t('NPM_TOKEN', 'CREDENTIALS', 'high', 'npm access token (npm_)', ['npm', 'token'], 0.05, 0.3),
  t('PRIVATE_KEY', 'CREDENTIALS', 'critical', 'PEM private key block', ['key', 'private', 'pem'], 0, 0),
  t('ABA_ROUTING', 'FINANCIAL', 'medium', 'US ABA routing number (checksum)', ['routing', 'aba', 'rtn', 'transit', 'routingnumber'], 0.45, 0.6),
  t('DATE_OF_BIRTH', 'PII', 'medium', 'Date of birth (a valid date under a birth-related name)', ['dob', 'birth', 'birthday', 'birthdate', 'born', 'bday'], 0.55, 0.6),
  t('CA_SIN', 'PII', 'high', 'Canadian social insurance number (Luhn)', ['sin', 'insurance', 'socialinsurance'], 0.45, 0.6),
  t('UK_NINO', 'PII', 'high', 'UK National Insurance number (format rules)', ['nino', 'ni', 'nin', 'insurance', 'national'], 0.3, 0.5),
  t('BITCOIN_ADDRESS', 'FINANCIAL', 'medium', 'Bitcoin address (base58check or bech32/bech32m checksum)', ['btc', 'bitcoin', 'wallet', 'crypto', 'address'], 0.1, 0.5),
  t('ETHEREUM_ADDRESS', 'FINANCIAL', 'medium', 'Ethereum address (EIP-55 checksum when mixed case)', ['eth', 'ethereum', 'wallet', 'crypto', 'address', 'erc20'], 0.25, 0.5),
  t('MAC_ADDRESS', 'NETWORK', 'low', 'MAC address', ['mac', 'hw', 'hardware', 'bssid', 'ether', 'device'], 0.2, 0.5),
];

export const TYPE_INDEX: ReadonlyMap<string, number> = new Map(TYPES.map((ty, i) => [ty.name, i]));

export function typeInfo(name: string): SensitiveType | undefined {
  const i = TYPE_INDEX.get(name);
  return i === undefined ? undefined : TYPES[i];
}

/** Where a finding is, in the names of edge-api.md's sdp_info. */
export type SdpLocationName = 'REQUEST_BODY' | 'RESPONSE_BODY' | 'REQUEST_HEADERS' | 'RESPONSE_HEADERS' | 'REQUEST_QUERY';

/**
 * One detected value. The first six fields are edge-api.md's sdp_info location (offsets as numbers).
 * start/end are character offsets: inside the decoded value at `field` when there is a field
 * (JSON leaf, form or query parameter, multipart part); inside the header value for headers
 * (`field` is the header name, or `cookie.<name>` for cookies); inside the body text for plain text
 * bodies (`field` is '').
 */
export interface Finding {
  name: string;
  type: 'SDE';
  location: SdpLocationName;
  field: string;
  start: number;
  end: number;
  confidence: number;
  category: Category;
  severity: Severity;
  /** For header findings: the index of the header in the header list. */
  index?: number;
}

export const DEFAULT_THRESHOLD = 0.5;
