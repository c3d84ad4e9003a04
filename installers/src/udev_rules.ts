import { err, ok, type Result } from '@scrutin/shared';

/**
 * A strict reader of udev rules files (udev(7), systemd 252): the syntax `udevadm verify`
 * checks in later systemd releases, which the Debian 12 udev does not have. Every line is a
 * comment, blank, or comma-separated `KEY[{attribute}]OPERATOR"value"` pairs; each key is
 * known, takes an attribute only if it must, and is used with an operator it accepts (a
 * match key cannot be assigned, an assignment-only key cannot be matched); every GOTO has its
 * LABEL further down the file, and no LABEL is defined twice.
 */
export type Operator = '==' | '!=' | '=' | '+=' | '-=' | ':=';

export interface UdevPair {
  readonly key: string;
  readonly attribute: string | null;
  readonly operator: Operator;
  readonly value: string;
}

export interface UdevRule {
  readonly line: number;
  readonly pairs: readonly UdevPair[];
}

export interface UdevRuleError {
  readonly line: number;
  readonly message: string;
}

const MATCH: readonly Operator[] = ['==', '!='];
const ASSIGN: readonly Operator[] = ['=', '+=', '-=', ':='];
const SET: readonly Operator[] = ['=', ':='];

interface KeySpec {
  /** Whether the key takes `{attribute}`: always, never, or optionally. */
  readonly attribute: 'required' | 'none' | 'optional';
  readonly operators: readonly Operator[];
}

/** udev(7): every key, with what it accepts. */
const KEYS: Readonly<Record<string, KeySpec>> = {
  ACTION: { attribute: 'none', operators: MATCH },
  DEVPATH: { attribute: 'none', operators: MATCH },
  KERNEL: { attribute: 'none', operators: MATCH },
  KERNELS: { attribute: 'none', operators: MATCH },
  SUBSYSTEM: { attribute: 'none', operators: MATCH },
  SUBSYSTEMS: { attribute: 'none', operators: MATCH },
  DRIVER: { attribute: 'none', operators: MATCH },
  DRIVERS: { attribute: 'none', operators: MATCH },
  ATTRS: { attribute: 'required', operators: MATCH },
  TAGS: { attribute: 'none', operators: MATCH },
  CONST: { attribute: 'required', operators: MATCH },
  TEST: { attribute: 'optional', operators: MATCH },
  PROGRAM: { attribute: 'none', operators: MATCH },
  RESULT: { attribute: 'none', operators: MATCH },
  NAME: { attribute: 'none', operators: [...MATCH, ...SET, '+='] },
  SYMLINK: { attribute: 'none', operators: [...MATCH, ...ASSIGN] },
  ATTR: { attribute: 'required', operators: [...MATCH, ...SET, '+='] },
  SYSCTL: { attribute: 'required', operators: [...MATCH, ...SET, '+='] },
  ENV: { attribute: 'required', operators: [...MATCH, ...ASSIGN] },
  TAG: { attribute: 'none', operators: [...MATCH, ...ASSIGN] },
  OWNER: { attribute: 'none', operators: [...SET, '+='] },
  GROUP: { attribute: 'none', operators: [...SET, '+='] },
  MODE: { attribute: 'none', operators: [...SET, '+='] },
  SECLABEL: { attribute: 'required', operators: [...SET, '+='] },
  RUN: { attribute: 'optional', operators: [...SET, '+=', '-='] },
  IMPORT: { attribute: 'required', operators: ['=', ...MATCH] },
  OPTIONS: { attribute: 'none', operators: [...SET, '+='] },
  LABEL: { attribute: 'none', operators: ['='] },
  GOTO: { attribute: 'none', operators: ['='] },
};

const PAIR = /^([A-Z]+)(?:\{([^{}\s"]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,\s*|$)/;

/** One logical line (continuations joined) into its pairs. */
function parseLine(text: string, line: number): Result<UdevRule, UdevRuleError> {
  const pairs: UdevPair[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const m = PAIR.exec(rest);
    if (m === null) return err({ line, message: `cannot read a KEY OPERATOR "value" pair at: ${rest.slice(0, 60)}` });
    const [whole, key = '', attribute, operator = '', value = '', separator = ''] = m;
    const spec = KEYS[key];
    if (spec === undefined) return err({ line, message: `unknown key ${key}` });
    if (spec.attribute === 'required' && attribute === undefined) return err({ line, message: `${key} needs {attribute}` });
    if (spec.attribute === 'none' && attribute !== undefined) return err({ line, message: `${key} takes no {attribute}` });
    const op = operator as Operator;
    if (!spec.operators.includes(op)) return err({ line, message: `${key} cannot be used with ${op}` });
    rest = rest.slice(whole.length);
    if (separator.startsWith(',') && rest.length === 0) return err({ line, message: 'a trailing comma ends the rule' });
    pairs.push({ key, attribute: attribute ?? null, operator: op, value });
  }
  return ok({ line, pairs });
}

export function parseUdevRules(text: string): Result<readonly UdevRule[], readonly UdevRuleError[]> {
  const rules: UdevRule[] = [];
  const errors: UdevRuleError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const first = i + 1;
    let logical = lines[i] ?? '';
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      i += 1;
      logical = logical.slice(0, -1) + (lines[i] ?? '');
    }
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const rule = parseLine(trimmed, first);
    if (rule.ok) rules.push(rule.value);
    else errors.push(rule.error);
  }
  const labels = new Map<string, number>();
  for (const rule of rules)
    for (const pair of rule.pairs)
      if (pair.key === 'LABEL') {
        const before = labels.get(pair.value);
        if (before !== undefined) errors.push({ line: rule.line, message: `LABEL "${pair.value}" is already defined on line ${before}` });
        else labels.set(pair.value, rule.line);
      }
  for (const rule of rules)
    for (const pair of rule.pairs)
      if (pair.key === 'GOTO') {
        const target = labels.get(pair.value);
        if (target === undefined || target <= rule.line)
          errors.push({ line: rule.line, message: `GOTO "${pair.value}" has no LABEL after it` });
      }
  return errors.length === 0 ? ok(rules) : err(errors.sort((a, b) => a.line - b.line));
}
