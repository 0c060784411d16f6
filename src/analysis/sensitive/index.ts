// Sensitive data: detectors, structure-aware scanning and format-preserving masking.
// Pure functions over a Transaction (no I/O); the bridge reuses `maskTransaction` / `maskValue`.
export { TYPES, typeInfo, DEFAULT_THRESHOLD, type Finding, type SensitiveType, type Category, type Severity, type SdpLocationName } from './types.ts';
export {
  scanTransaction, scanValue, scanJson, scanText, scanForm, scanQuery, scanHeaders, scanMultipart, scanBody, ctxOfPath,
  type ScanOptions, type ScanResult, type ValueFinding,
} from './scan.ts';
export { maskValue, maskTransaction, maskBodyText, sdpInfoOf, walkRawJson, type MaskOptions, type MaskResult } from './mask.ts';
export { luhn, ibanValid, ssnValid, abaValid, sinValid, ninoValid, base58CheckValid, bech32AddressValid, ethAddressValid, keccak256, cardBrand } from './checksums.ts';
export { tokenize } from './context.ts';
