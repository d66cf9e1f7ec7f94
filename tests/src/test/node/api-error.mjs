// What the openai client throws for an error response, as plain data: { status, code, param, type, message }.
import OpenAI from 'openai';

export async function apiError(promise) {
  try {
    await promise;
    return { status: 200 };
  } catch (e) {
    if (!(e instanceof OpenAI.APIError)) throw e;
    return { status: e.status, code: e.code, param: e.param, type: e.type, message: e.message };
  }
}
