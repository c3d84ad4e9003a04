/**
 * RCTab's comparison of detailed reports, as its regression harness does it: parsed JSON,
 * equal key sets, arrays in order, equal leaves including type; `generatedBy` and
 * `GeneratedDate` are ignored wherever they appear. Returns the differences, empty if none.
 */
export function reportDifferences(actual: unknown, expected: unknown, path = '$'): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      return [`${path}: expected an array, got ${describe(actual)}`];
    }
    const differences: string[] = [];
    if (actual.length !== expected.length) {
      differences.push(`${path}: expected ${expected.length} elements, got ${actual.length}`);
    }
    for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
      differences.push(...reportDifferences(actual[i], expected[i], `${path}[${i}]`));
    }
    return differences;
  }
  if (isObject(expected)) {
    if (!isObject(actual) || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${describe(actual)}`];
    }
    const keys = (object: Record<string, unknown>): string[] =>
      Object.keys(object).filter((key) => key !== 'generatedBy' && key !== 'GeneratedDate');
    const expectedKeys = keys(expected);
    const actualKeys = keys(actual);
    const differences: string[] = [];
    for (const key of expectedKeys) {
      if (!(key in actual)) {
        differences.push(`${path}.${key}: missing (expected ${describe(expected[key])})`);
      } else {
        differences.push(...reportDifferences(actual[key], expected[key], `${path}.${key}`));
      }
    }
    for (const key of actualKeys) {
      if (!(key in expected)) {
        differences.push(`${path}.${key}: unexpected (${describe(actual[key])})`);
      }
    }
    return differences;
  }
  return Object.is(actual, expected) ? [] : [`${path}: expected ${describe(expected)}, got ${describe(actual)}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}
