/**
 * Discord message and component payloads as the API takes them (snake_case JSON), built by pure
 * functions. Only the shapes Shipcheck sends are described.
 */

export const ButtonStyle = { primary: 1, secondary: 2, success: 3, danger: 4 } as const;

export interface Button {
  type: 2;
  style: (typeof ButtonStyle)[keyof typeof ButtonStyle];
  label: string;
  custom_id: string;
  disabled?: boolean;
}

export interface SelectOption {
  label: string;
  value: string;
  description?: string;
}

export interface StringSelect {
  type: 3;
  custom_id: string;
  placeholder: string;
  min_values: number;
  max_values: number;
  options: SelectOption[];
}

export interface ActionRow {
  type: 1;
  components: (Button | StringSelect)[];
}

/** Nobody is ever pinged by what Shipcheck posts: user text cannot reach @everyone, roles or people. */
export const NO_MENTIONS = { parse: [] as never[] };

export interface DiscordMessage {
  content: string;
  components: ActionRow[];
  allowed_mentions: { parse: never[]; users?: string[] };
}

export interface TextInput {
  type: 4;
  custom_id: string;
  label: string;
  /** 1 short, 2 paragraph. */
  style: 1 | 2;
  required: boolean;
  max_length: number;
  placeholder?: string;
}

export interface Modal {
  custom_id: string;
  title: string;
  components: { type: 1; components: [TextInput] }[];
}

export function button(
  label: string,
  customId: string,
  style: Button['style'] = ButtonStyle.secondary,
): Button {
  return { type: 2, style, label, custom_id: customId };
}

/** Rows of at most `perRow` components, at most `maxRows` rows. */
export function rowsOf<T extends Button | StringSelect>(
  components: T[],
  perRow: number,
  maxRows: number,
): ActionRow[] {
  const rows: ActionRow[] = [];
  for (let index = 0; index < components.length && rows.length < maxRows; index += perRow) {
    rows.push({ type: 1, components: components.slice(index, index + perRow) });
  }
  return rows;
}
