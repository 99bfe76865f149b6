/** A complete oncall.yaml: every section the schema knows, in the shape the README shows. */
export const ONCALL_YAML = `people:
  ana: { name: Ana Ruiz, slack: U01ANA0001, discord: "123456789012345678", timezone: Europe/Madrid }
  bo: { name: Bo Chen, terminal: bochen }
  carol: { name: Carol Diaz, slack: U01CAR0003, timezone: America/New_York }
  dan: { name: Dan Okafor }
roles:
  engineering-lead: [ana]
  on-call-engineer: [bo, carol]
  dba: []
rotations:
  primary:
    members: [ana, bo, carol]
    period: weekly
    handoff: { weekday: monday, time: "09:00" }
    timezone: Europe/Madrid
    start: "2026-03-23"
    overrides:
      - { person: carol, start: "2026-03-29T08:00:00+02:00", end: "2026-03-30T08:00:00+02:00" }
      - { person: dan, start: "2026-03-29T12:00", end: "2026-03-29T14:00" }
  nights:
    members: [dan, bo]
    period: daily
    handoff: { time: "21:30" }
    timezone: America/New_York
    start: "2026-03-01"
policies:
  deploy-default:
    repeat: 2
    steps:
      - { targets: [rotation:primary], wait: 5m }
      - { targets: [role:engineering-lead], wait: 10m }
      - { targets: [person:carol, "channel:#incident-response"], wait: 15m }
  database:
    steps:
      - { targets: [role:dba, rotation:nights], wait: 1h30m }
severities:
  P0: { policy: deploy-default, response: 0m }
  P1: { policy: deploy-default, response: 1h }
  P2: { policy: database, response: 4h }
stall_minutes: 30
`;

/** The 1-based line of the first line of `text` that contains `marker`. */
export function lineOf(text: string, marker: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`no line contains ${marker}`);
  return index + 1;
}
