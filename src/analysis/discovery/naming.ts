// Parameter names from the parent segment: /users/{userId}, /categories/{categoryId}.

function singular(word: string): string {
  if (/ies$/i.test(word) && word.length > 4) return word.slice(0, -3) + 'y';
  if (/(ss|us|is)$/i.test(word)) return word;
  if (/(xes|ches|shes|sses|zes)$/i.test(word)) return word.slice(0, -2);
  if (/s$/i.test(word) && word.length > 3) return word.slice(0, -1);
  return word;
}

/** "resource-groups" / "resource_groups" / "ResourceGroups" -> "resourceGroup". */
function camel(seg: string): string {
  const parts = seg.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (parts.length === 0) return '';
  const joined = parts
    .map((p, i) => (i === 0 ? p.charAt(0).toLowerCase() + p.slice(1) : p.charAt(0).toUpperCase() + p.slice(1)))
    .join('');
  return /^[A-Za-z]/.test(joined) ? joined : '';
}

const ID_TYPES = new Set(['integer', 'uuid', 'objectid', 'hex', 'token']);

/**
 * A parameter name from the literal segment before it (or null when the parent is itself a
 * parameter or absent) and the parameter's type; `taken` names get a numeric suffix.
 */
export function paramName(parent: string | null, type: string, taken: Set<string>): string {
  let base: string;
  if (type === 'email') base = 'email';
  else if (type === 'date' || type === 'date-time') base = parent ? camel(singular(parent)) + 'Date' : 'date';
  else if (parent && camel(parent) && !/^v\d/i.test(parent)) {
    const stem = camel(singular(parent));
    base = stem + (ID_TYPES.has(type) ? 'Id' : 'Name');
  } else base = ID_TYPES.has(type) ? 'id' : 'param';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = base + i;
  taken.add(name);
  return name;
}
