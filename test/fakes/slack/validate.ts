/**
 * What Slack refuses, written from Slack's Block Kit reference rather than from Shipcheck's code, so the
 * fake is an independent judge of every payload. A refusal is Slack's error code plus the reasons Slack
 * would list in `response_metadata.messages`.
 */

export interface Refusal {
  error: 'invalid_blocks' | 'msg_too_long' | 'invalid_arguments' | 'no_text';
  reasons: string[];
}

type Json = Record<string, unknown>;

const LIMIT = {
  messageBlocks: 50,
  modalBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  allBlockText: 12_000,
  topLevelText: 40_000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  optionText: 75,
  optionValue: 150,
  overflowMin: 2,
  overflowMax: 5,
  radioOptions: 10,
  modalTitle: 24,
  modalButton: 24,
  callbackId: 255,
  privateMetadata: 3000,
  inputLabel: 2000,
  inputMaxLength: 3000,
} as const;

export function validateMessage(text: unknown, blocks: unknown): Refusal | null {
  if (typeof text === 'string' && text.length > LIMIT.topLevelText) {
    return { error: 'msg_too_long', reasons: [`text is ${text.length} characters`] };
  }
  if (blocks === undefined) {
    return typeof text === 'string' && text.length > 0 ? null : { error: 'no_text', reasons: [] };
  }
  const reasons: string[] = [];
  if (!Array.isArray(blocks)) return { error: 'invalid_blocks', reasons: ['blocks must be an array'] };
  if (blocks.length > LIMIT.messageBlocks) {
    reasons.push(`no more than ${LIMIT.messageBlocks} items allowed [json-pointer:/blocks]`);
  }
  checkBlocks(blocks, ['section', 'context', 'actions', 'header', 'divider', 'image'], reasons);
  if (reasons.length > 0) return { error: 'invalid_blocks', reasons };
  const total = blockTextLength(blocks);
  if (total > LIMIT.allBlockText) {
    return { error: 'msg_too_long', reasons: [`blocks hold ${total} characters of text`] };
  }
  return null;
}

export function validateView(view: unknown): Refusal | null {
  const reasons: string[] = [];
  if (!isObject(view)) return { error: 'invalid_arguments', reasons: ['view must be an object'] };
  if (view.type !== 'modal') reasons.push('view.type must be modal');
  checkText(view.title, 'plain_text', LIMIT.modalTitle, '/view/title', reasons, true);
  if (view.submit !== undefined)
    checkText(view.submit, 'plain_text', LIMIT.modalButton, '/view/submit', reasons, true);
  if (view.close !== undefined)
    checkText(view.close, 'plain_text', LIMIT.modalButton, '/view/close', reasons, true);
  if (typeof view.callback_id === 'string' && view.callback_id.length > LIMIT.callbackId) {
    reasons.push('callback_id too long [json-pointer:/view/callback_id]');
  }
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > LIMIT.privateMetadata) {
    reasons.push('private_metadata too long [json-pointer:/view/private_metadata]');
  }
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) {
    reasons.push('blocks must be an array [json-pointer:/view/blocks]');
  } else {
    if (blocks.length > LIMIT.modalBlocks) reasons.push(`no more than ${LIMIT.modalBlocks} items allowed`);
    checkBlocks(blocks, ['section', 'context', 'actions', 'header', 'divider', 'input'], reasons);
  }
  return reasons.length > 0 ? { error: 'invalid_arguments', reasons } : null;
}

function checkBlocks(blocks: unknown[], allowed: string[], reasons: string[]): void {
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const at = `/blocks/${index}`;
    if (!isObject(block) || typeof block.type !== 'string' || !allowed.includes(block.type)) {
      reasons.push(`unsupported block [json-pointer:${at}]`);
      return;
    }
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== 'string' || block.block_id.length > LIMIT.blockId) {
        reasons.push(`block_id too long [json-pointer:${at}/block_id]`);
      } else if (blockIds.has(block.block_id)) {
        reasons.push(`duplicate block_id ${block.block_id} [json-pointer:${at}/block_id]`);
      } else {
        blockIds.add(block.block_id);
      }
    }
    switch (block.type) {
      case 'section':
        checkSection(block, at, reasons);
        break;
      case 'header':
        checkText(block.text, 'plain_text', LIMIT.headerText, `${at}/text`, reasons, true);
        break;
      case 'context':
        if (!Array.isArray(block.elements) || block.elements.length === 0) {
          reasons.push(`context needs elements [json-pointer:${at}/elements]`);
        } else {
          if (block.elements.length > LIMIT.contextElements)
            reasons.push(`too many elements [json-pointer:${at}]`);
          block.elements.forEach((element, elementIndex) => {
            checkText(element, null, LIMIT.sectionText, `${at}/elements/${elementIndex}`, reasons, true);
          });
        }
        break;
      case 'actions':
        checkActions(block, at, reasons);
        break;
      case 'input':
        checkInput(block, at, reasons);
        break;
    }
  });
}

function checkSection(block: Json, at: string, reasons: string[]): void {
  if (block.text === undefined && block.fields === undefined) {
    reasons.push(`section needs text or fields [json-pointer:${at}]`);
  }
  if (block.text !== undefined) checkText(block.text, null, LIMIT.sectionText, `${at}/text`, reasons, true);
  if (block.fields !== undefined) {
    if (!Array.isArray(block.fields) || block.fields.length > LIMIT.sectionFields) {
      reasons.push(`too many fields [json-pointer:${at}/fields]`);
    } else {
      block.fields.forEach((field, index) => {
        checkText(field, null, LIMIT.fieldText, `${at}/fields/${index}`, reasons, true);
      });
    }
  }
  if (block.accessory !== undefined) checkElement(block.accessory, `${at}/accessory`, reasons, new Set());
}

function checkActions(block: Json, at: string, reasons: string[]): void {
  if (!Array.isArray(block.elements) || block.elements.length === 0) {
    reasons.push(`actions needs elements [json-pointer:${at}/elements]`);
    return;
  }
  if (block.elements.length > LIMIT.actionsElements) {
    reasons.push(`no more than ${LIMIT.actionsElements} items allowed [json-pointer:${at}/elements]`);
  }
  const actionIds = new Set<string>();
  block.elements.forEach((element, index) => {
    checkElement(element, `${at}/elements/${index}`, reasons, actionIds);
  });
}

function checkInput(block: Json, at: string, reasons: string[]): void {
  checkText(block.label, 'plain_text', LIMIT.inputLabel, `${at}/label`, reasons, true);
  const element = block.element;
  if (!isObject(element)) {
    reasons.push(`input needs an element [json-pointer:${at}/element]`);
    return;
  }
  if (element.type === 'plain_text_input') {
    checkActionId(element.action_id, `${at}/element`, reasons, new Set());
    if (typeof element.max_length === 'number' && element.max_length > LIMIT.inputMaxLength) {
      reasons.push(`max_length too large [json-pointer:${at}/element/max_length]`);
    }
  } else if (element.type === 'radio_buttons') {
    checkActionId(element.action_id, `${at}/element`, reasons, new Set());
    checkOptions(element.options, 1, LIMIT.radioOptions, `${at}/element/options`, reasons);
  } else {
    reasons.push(`unsupported input element [json-pointer:${at}/element]`);
  }
}

function checkElement(element: unknown, at: string, reasons: string[], actionIds: Set<string>): void {
  if (!isObject(element)) {
    reasons.push(`element must be an object [json-pointer:${at}]`);
    return;
  }
  checkActionId(element.action_id, at, reasons, actionIds);
  switch (element.type) {
    case 'button':
      checkText(element.text, 'plain_text', LIMIT.buttonText, `${at}/text`, reasons, true);
      if (
        element.value !== undefined &&
        (typeof element.value !== 'string' || element.value.length > LIMIT.buttonValue)
      ) {
        reasons.push(`must be less than ${LIMIT.buttonValue + 1} characters [json-pointer:${at}/value]`);
      }
      if (typeof element.url === 'string' && element.url.length > LIMIT.buttonUrl) {
        reasons.push(`url too long [json-pointer:${at}/url]`);
      }
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        reasons.push(`invalid style [json-pointer:${at}/style]`);
      }
      break;
    case 'overflow':
      checkOptions(element.options, LIMIT.overflowMin, LIMIT.overflowMax, `${at}/options`, reasons);
      break;
    default:
      reasons.push(`unsupported element ${String(element.type)} [json-pointer:${at}]`);
  }
}

function checkActionId(actionId: unknown, at: string, reasons: string[], seen: Set<string>): void {
  if (actionId === undefined) return;
  if (typeof actionId !== 'string' || actionId.length > LIMIT.actionId) {
    reasons.push(`must be less than ${LIMIT.actionId + 1} characters [json-pointer:${at}/action_id]`);
    return;
  }
  if (seen.has(actionId)) reasons.push(`duplicate action_id ${actionId} [json-pointer:${at}/action_id]`);
  seen.add(actionId);
}

function checkOptions(options: unknown, min: number, max: number, at: string, reasons: string[]): void {
  if (!Array.isArray(options) || options.length < min || options.length > max) {
    reasons.push(`between ${min} and ${max} options required [json-pointer:${at}]`);
    return;
  }
  options.forEach((option, index) => {
    if (!isObject(option)) {
      reasons.push(`option must be an object [json-pointer:${at}/${index}]`);
      return;
    }
    checkText(option.text, 'plain_text', LIMIT.optionText, `${at}/${index}/text`, reasons, true);
    if (typeof option.value !== 'string' || option.value.length > LIMIT.optionValue) {
      reasons.push(
        `must be less than ${LIMIT.optionValue + 1} characters [json-pointer:${at}/${index}/value]`,
      );
    }
  });
}

function checkText(
  text: unknown,
  type: 'plain_text' | 'mrkdwn' | null,
  max: number,
  at: string,
  reasons: string[],
  required: boolean,
): void {
  if (text === undefined) {
    if (required) reasons.push(`missing text [json-pointer:${at}]`);
    return;
  }
  if (!isObject(text) || (text.type !== 'plain_text' && text.type !== 'mrkdwn')) {
    reasons.push(`must be a text object [json-pointer:${at}]`);
    return;
  }
  if (type && text.type !== type) reasons.push(`must be ${type} [json-pointer:${at}]`);
  if (typeof text.text !== 'string' || text.text.length === 0) {
    reasons.push(`must be more than 0 characters [json-pointer:${at}/text]`);
  } else if (text.text.length > max) {
    reasons.push(`must be less than ${max + 1} characters [json-pointer:${at}/text]`);
  }
}

/** Every piece of text a message's blocks carry: what Slack weighs against its total. */
export function blockTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + blockTextLength(item), 0);
  if (!isObject(value)) return 0;
  let sum = 0;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'text' && typeof item === 'string') sum += item.length;
    else sum += blockTextLength(item);
  }
  return sum;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
