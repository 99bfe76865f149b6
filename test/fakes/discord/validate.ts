/**
 * What Discord refuses, written from Discord's API reference (message, component and modal limits)
 * rather than from Shipcheck's code, so the fake is an independent judge of every payload. A refusal is
 * Discord's 400 body: code 50035 "Invalid Form Body" with the fields at fault.
 */

type Json = Record<string, unknown>;

export interface Refusal {
  code: number;
  message: string;
  errors: Record<string, string>;
}

const LIMIT = {
  content: 2000,
  actionRows: 5,
  buttonsPerRow: 5,
  selectOptions: 25,
  customId: 100,
  buttonLabel: 80,
  placeholder: 150,
  optionLabel: 100,
  optionValue: 100,
  embeds: 10,
  embedsTotal: 6000,
  embedDescription: 4096,
  modalTitle: 45,
  modalRows: 5,
  inputLabel: 45,
  inputMaxLength: 4000,
} as const;

export function validateMessage(body: Json): Refusal | null {
  const errors: Record<string, string> = {};
  const content = body.content;
  if (content !== undefined && content !== null) {
    if (typeof content !== 'string') errors.content = 'must be a string';
    else if (content.length > LIMIT.content) errors.content = `Must be ${LIMIT.content} or fewer in length.`;
  }
  const embeds = (body.embeds as Json[] | undefined) ?? [];
  if (embeds.length > LIMIT.embeds) errors.embeds = `Must be ${LIMIT.embeds} or fewer in length.`;
  const embedChars = embeds.reduce((total, embed) => total + embedLength(embed), 0);
  if (embedChars > LIMIT.embedsTotal)
    errors.embeds = `Embed size exceeds maximum size of ${LIMIT.embedsTotal}`;
  checkComponents(body.components, errors);
  const hasBody = (typeof content === 'string' && content.length > 0) || embeds.length > 0;
  if (!hasBody && body.components === undefined && !('flags' in body))
    errors.content = 'Cannot send an empty message';
  return refusal(errors);
}

export function validateModal(body: Json): Refusal | null {
  const errors: Record<string, string> = {};
  if (typeof body.title !== 'string' || body.title.length === 0 || body.title.length > LIMIT.modalTitle)
    errors.title = `Must be between 1 and ${LIMIT.modalTitle} in length.`;
  checkId(body.custom_id, 'custom_id', errors);
  const rows = body.components as Json[] | undefined;
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > LIMIT.modalRows)
    errors.components = `Must be between 1 and ${LIMIT.modalRows} in length.`;
  for (const [index, row] of (rows ?? []).entries()) {
    const inputs = (row.components as Json[] | undefined) ?? [];
    if (row.type !== 1 || inputs.length !== 1 || inputs[0]?.type !== 4) {
      errors[`components.${index}`] = 'A modal row holds one text input';
      continue;
    }
    const input = inputs[0] as Json;
    checkId(input.custom_id, `components.${index}.components.0.custom_id`, errors);
    if (typeof input.label !== 'string' || input.label.length === 0 || input.label.length > LIMIT.inputLabel)
      errors[`components.${index}.components.0.label`] =
        `Must be between 1 and ${LIMIT.inputLabel} in length.`;
    if (typeof input.max_length === 'number' && input.max_length > LIMIT.inputMaxLength)
      errors[`components.${index}.components.0.max_length`] = `Must be ${LIMIT.inputMaxLength} or less.`;
  }
  return refusal(errors);
}

function checkComponents(components: unknown, errors: Record<string, string>): void {
  if (components === undefined || components === null) return;
  if (!Array.isArray(components)) {
    errors.components = 'must be an array';
    return;
  }
  if (components.length > LIMIT.actionRows)
    errors.components = `Must be ${LIMIT.actionRows} or fewer in length.`;
  const ids = new Set<string>();
  for (const [rowIndex, row] of (components as Json[]).entries()) {
    const path = `components.${rowIndex}`;
    const children = (row.components as Json[] | undefined) ?? [];
    if (row.type !== 1) errors[path] = 'Top-level components must be action rows';
    if (children.length === 0) errors[`${path}.components`] = 'Must be between 1 and 5 in length.';
    const selects = children.filter((child) => child.type !== 2);
    if (selects.length > 0 && children.length > 1)
      errors[`${path}.components`] = 'A select fills its row alone';
    if (children.length > LIMIT.buttonsPerRow) errors[`${path}.components`] = 'Must be 5 or fewer in length.';
    for (const [index, child] of children.entries()) {
      const at = `${path}.components.${index}`;
      checkId(child.custom_id, `${at}.custom_id`, errors);
      if (typeof child.custom_id === 'string') {
        if (ids.has(child.custom_id)) errors[`${at}.custom_id`] = 'Component custom id cannot be duplicated';
        ids.add(child.custom_id);
      }
      if (child.type === 2) {
        if (typeof child.label === 'string' && child.label.length > LIMIT.buttonLabel)
          errors[`${at}.label`] = `Must be ${LIMIT.buttonLabel} or fewer in length.`;
      } else if (child.type === 3) {
        checkSelect(child, at, errors);
      } else {
        errors[`${at}.type`] = 'Unknown component type';
      }
    }
  }
}

function checkSelect(select: Json, at: string, errors: Record<string, string>): void {
  const options = (select.options as Json[] | undefined) ?? [];
  if (options.length === 0 || options.length > LIMIT.selectOptions)
    errors[`${at}.options`] = `Must be between 1 and ${LIMIT.selectOptions} in length.`;
  if (typeof select.placeholder === 'string' && select.placeholder.length > LIMIT.placeholder)
    errors[`${at}.placeholder`] = `Must be ${LIMIT.placeholder} or fewer in length.`;
  const max = (select.max_values as number | undefined) ?? 1;
  const min = (select.min_values as number | undefined) ?? 1;
  if (max > options.length || min > max || max > LIMIT.selectOptions)
    errors[`${at}.max_values`] = 'Out of range';
  const values = new Set<string>();
  for (const [index, option] of options.entries()) {
    const label = option.label;
    const value = option.value;
    if (typeof label !== 'string' || label.length === 0 || label.length > LIMIT.optionLabel)
      errors[`${at}.options.${index}.label`] = `Must be between 1 and ${LIMIT.optionLabel} in length.`;
    if (typeof value !== 'string' || value.length === 0 || value.length > LIMIT.optionValue)
      errors[`${at}.options.${index}.value`] = `Must be between 1 and ${LIMIT.optionValue} in length.`;
    else if (values.has(value))
      errors[`${at}.options.${index}.value`] = 'Select option values must be unique';
    else values.add(value);
  }
}

function checkId(id: unknown, path: string, errors: Record<string, string>): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > LIMIT.customId)
    errors[path] = `Must be between 1 and ${LIMIT.customId} in length.`;
}

function embedLength(embed: Json): number {
  const text = (value: unknown) => (typeof value === 'string' ? value.length : 0);
  const fields = (embed.fields as Json[] | undefined) ?? [];
  return (
    text(embed.title) +
    text(embed.description) +
    text((embed.footer as Json | undefined)?.text) +
    text((embed.author as Json | undefined)?.name) +
    fields.reduce((total, field) => total + text(field.name) + text(field.value), 0)
  );
}

function refusal(errors: Record<string, string>): Refusal | null {
  return Object.keys(errors).length === 0 ? null : { code: 50035, message: 'Invalid Form Body', errors };
}
