import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeRpcError,
  findResponse,
  findUnmatchedError,
  parseJsonRpcMessage,
  parseJsonRpcPayload,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcMessage,
} from '../../src/domain/jsonrpc.ts';

// Bodies are verbatim from /work/shared/reference/mcp-wire/*.txt unless they are garbage rows.
describe('parseJsonRpcMessage', () => {
  const cases: readonly { name: string; text: string; expected: JsonRpcMessage | undefined }[] = [
    {
      name: 'result with numeric id (v2 ping over SSE)',
      text: '{"result":{},"jsonrpc":"2.0","id":2}',
      expected: { kind: 'result', id: 2, result: {} },
    },
    {
      name: 'result with string id (dual-era server/discover, trimmed)',
      text: '{"result":{"supportedVersions":["2026-07-28"]},"jsonrpc":"2.0","id":"d1"}',
      expected: { kind: 'result', id: 'd1', result: { supportedVersions: ['2026-07-28'] } },
    },
    { name: 'result with id null is kept', text: '{"jsonrpc":"2.0","result":null,"id":null}', expected: { kind: 'result', id: null, result: null } },
    {
      name: '-32022 with data (modern-only server)',
      text: '{"jsonrpc":"2.0","error":{"code":-32022,"message":"Unsupported protocol version: 2025-11-25","data":{"supported":["2026-07-28"],"requested":"2025-11-25"}},"id":1}',
      expected: { kind: 'error', id: 1, error: { code: -32022, message: 'Unsupported protocol version: 2025-11-25', data: { supported: ['2026-07-28'], requested: '2025-11-25' } } },
    },
    {
      name: 'error with id null (405 Method not allowed.)',
      text: '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Method not allowed."},"id":null}',
      expected: { kind: 'error', id: null, error: { code: -32000, message: 'Method not allowed.', data: undefined } },
    },
    {
      name: 'error without an id at all (server-everything "No valid session ID")',
      text: '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}',
      expected: { kind: 'error', id: null, error: { code: -32000, message: 'Bad Request: No valid session ID provided', data: undefined } },
    },
    {
      name: 'error without "jsonrpc" (lenient)',
      text: '{"error":{"code":-32001,"message":"Session not found"},"id":null}',
      expected: { kind: 'error', id: null, error: { code: -32001, message: 'Session not found', data: undefined } },
    },
    { name: 'error without a message → empty message', text: '{"error":{"code":-32603},"id":5}', expected: { kind: 'error', id: 5, error: { code: -32603, message: '', data: undefined } } },
    { name: 'error with an object id → id null', text: '{"error":{"code":-32603,"message":"x"},"id":{"a":1}}', expected: { kind: 'error', id: null, error: { code: -32603, message: 'x', data: undefined } } },
    {
      name: 'notification (tools/list_changed on the SSE stream)',
      text: '{"method":"notifications/tools/list_changed","jsonrpc":"2.0"}',
      expected: { kind: 'notification', method: 'notifications/tools/list_changed' },
    },
    { name: 'server-to-client request', text: '{"jsonrpc":"2.0","id":7,"method":"roots/list"}', expected: { kind: 'request', id: 7, method: 'roots/list' } },
    { name: 'request with id null → notification', text: '{"jsonrpc":"2.0","id":null,"method":"x"}', expected: { kind: 'notification', method: 'x' } },
    // Garbage.
    { name: 'null', text: 'null', expected: undefined },
    { name: 'a number', text: '42', expected: undefined },
    { name: 'a string', text: '"result"', expected: undefined },
    { name: 'an array (a batch is not one message)', text: '[{"result":{},"id":1}]', expected: undefined },
    { name: 'RFC 6750 error body from the 401 server', text: '{"error":"invalid_token","error_description":"Missing Authorization header"}', expected: undefined },
    { name: 'error without a numeric code', text: '{"error":{"code":"-32000","message":"x"},"id":1}', expected: undefined },
    { name: 'error without any code', text: '{"error":{"message":"x"},"id":1}', expected: undefined },
    { name: 'result with an object id', text: '{"result":{},"id":{"n":1}}', expected: undefined },
    { name: 'result without an id', text: '{"jsonrpc":"2.0","result":{}}', expected: undefined },
    { name: 'result with a boolean id', text: '{"result":{},"id":true}', expected: undefined },
    { name: 'method not a string', text: '{"method":5,"id":1}', expected: undefined },
    { name: 'empty object', text: '{}', expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parseJsonRpcMessage(JSON.parse(c.text)), c.expected);
    });
  }

  test('a non-finite numeric id is not an id', () => {
    assert.equal(parseJsonRpcMessage({ result: {}, id: Number.POSITIVE_INFINITY }), undefined);
    assert.equal(parseJsonRpcMessage({ result: {}, id: Number.NaN }), undefined);
  });
});

describe('parseJsonRpcPayload', () => {
  const cases: readonly { name: string; text: string; expected: JsonRpcMessage[] | undefined }[] = [
    { name: 'one message → a list of one', text: '{"result":{},"jsonrpc":"2.0","id":9}', expected: [{ kind: 'result', id: 9, result: {} }] },
    {
      name: 'batch: notification then result (as the 3111 server streams them)',
      text: '[{"method":"notifications/tools/list_changed","jsonrpc":"2.0"},{"result":{},"jsonrpc":"2.0","id":9}]',
      expected: [
        { kind: 'notification', method: 'notifications/tools/list_changed' },
        { kind: 'result', id: 9, result: {} },
      ],
    },
    { name: 'empty batch → empty list', text: '[]', expected: [] },
    { name: 'null → undefined', text: 'null', expected: undefined },
    { name: 'batch of garbage → undefined', text: '[1, "x", null]', expected: undefined },
    { name: 'one bad item spoils the batch', text: '[{"result":{},"id":1},{"result":{},"id":{}}]', expected: undefined },
    { name: 'nested batch → undefined', text: '[[{"result":{},"id":1}]]', expected: undefined },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(parseJsonRpcPayload(JSON.parse(c.text)), c.expected);
    });
  }
});

describe('findResponse and findUnmatchedError', () => {
  const notification: JsonRpcMessage = { kind: 'notification', method: 'notifications/tools/list_changed' };
  const serverRequest: JsonRpcMessage = { kind: 'request', id: 1, method: 'sampling/createMessage' };
  const result1: JsonRpcMessage = { kind: 'result', id: 1, result: {} };
  const resultD1: JsonRpcMessage = { kind: 'result', id: 'd1', result: {} };
  const error2: JsonRpcMessage = { kind: 'error', id: 2, error: { code: -32601, message: 'Method not found', data: undefined } };
  const errorNull: JsonRpcMessage = { kind: 'error', id: null, error: { code: -32000, message: 'Method not allowed.', data: undefined } };
  const resultNull: JsonRpcMessage = { kind: 'result', id: null, result: {} };

  const responses: readonly { name: string; messages: JsonRpcMessage[]; id: JsonRpcId; expected: JsonRpcMessage | undefined }[] = [
    { name: 'skips notifications to the result', messages: [notification, result1], id: 1, expected: result1 },
    { name: 'a server request with our id is not the response', messages: [serverRequest, result1], id: 1, expected: result1 },
    { name: 'only a server request with our id → undefined', messages: [serverRequest], id: 1, expected: undefined },
    { name: 'matches an error by id', messages: [result1, error2], id: 2, expected: error2 },
    { name: 'string id matches exactly', messages: [resultD1], id: 'd1', expected: resultD1 },
    { name: 'numeric id does not match its string form', messages: [resultD1, result1], id: '1', expected: undefined },
    { name: 'id null error is not a response to id 1', messages: [errorNull], id: 1, expected: undefined },
    { name: 'empty list → undefined', messages: [], id: 1, expected: undefined },
  ];
  for (const c of responses) {
    test(`findResponse: ${c.name}`, () => {
      assert.equal(findResponse(c.messages, c.id), c.expected);
    });
  }

  const unmatched: readonly { name: string; messages: JsonRpcMessage[]; expected: JsonRpcMessage | undefined }[] = [
    { name: 'finds the id-null error', messages: [notification, errorNull], expected: errorNull },
    { name: 'an id-null result is not an error', messages: [resultNull], expected: undefined },
    { name: 'an error with an id is matched elsewhere', messages: [error2], expected: undefined },
  ];
  for (const c of unmatched) {
    test(`findUnmatchedError: ${c.name}`, () => {
      assert.equal(findUnmatchedError(c.messages), c.expected);
    });
  }
});

describe('describeRpcError', () => {
  const long = `Bad Request: ${'x'.repeat(300)}`;
  const cases: readonly { name: string; error: JsonRpcErrorObject; expected: string }[] = [
    { name: 'code and message', error: { code: -32601, message: 'Method not found', data: undefined }, expected: 'JSON-RPC error -32601: Method not found' },
    { name: 'empty message → code only', error: { code: -32603, message: '', data: undefined }, expected: 'JSON-RPC error -32603' },
    { name: 'exactly 200 characters are kept whole', error: { code: -32000, message: 'y'.repeat(200), data: undefined }, expected: `JSON-RPC error -32000: ${'y'.repeat(200)}` },
    { name: 'long messages truncated to 200 characters and an ellipsis', error: { code: -32000, message: long, data: undefined }, expected: `JSON-RPC error -32000: ${long.slice(0, 200)}…` },
    { name: 'data is not described', error: { code: -32022, message: 'Unsupported protocol version: 2025-11-25', data: { supported: ['2026-07-28'] } }, expected: 'JSON-RPC error -32022: Unsupported protocol version: 2025-11-25' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(describeRpcError(c.error), c.expected);
    });
  }
});
