/**
 * ssl.principal.mapping.rules, as Kafka's SslPrincipalMapper: a comma-separated list of
 * `RULE:<pattern>/<replacement>/[L|U]` and `DEFAULT`; the first rule whose pattern matches the
 * whole distinguished name gives the name (DEFAULT: the name unchanged).
 */
interface Rule {
  /** null for DEFAULT. */
  pattern: string | null;
  replacement: string;
  toCase: "" | "L" | "U";
}

const RULE = /^\s*(?:(DEFAULT)|RULE:((?:[^/\\]|\\.)*)\/((?:[^/\\]|\\.)*)\/([LU]?))\s*(?:,|$)/;

export class PrincipalMappingRules {
  private readonly rules: Rule[] = [];

  constructor(text: string) {
    let rest = text.trim() || "DEFAULT";
    while (rest.length > 0) {
      const m = RULE.exec(rest);
      if (!m) throw new Error(`ssl.principal.mapping.rules: cannot parse ${rest}`);
      this.rules.push(
        m[1] ? { pattern: null, replacement: "", toCase: "" } : { pattern: m[2], replacement: m[3], toCase: m[4] as Rule["toCase"] },
      );
      rest = rest.slice(m[0].length).trim();
    }
  }

  apply(distinguishedName: string): string {
    for (const rule of this.rules) {
      if (!rule.pattern) return distinguishedName;
      if (!new RegExp(`^(?:${rule.pattern})$`).test(distinguishedName)) continue;
      const name = distinguishedName.replace(new RegExp(rule.pattern, "g"), rule.replacement);
      return rule.toCase === "L" ? name.toLowerCase() : rule.toCase === "U" ? name.toUpperCase() : name;
    }
    throw new Error(`no ssl.principal.mapping.rules rule matches ${distinguishedName}`);
  }
}
