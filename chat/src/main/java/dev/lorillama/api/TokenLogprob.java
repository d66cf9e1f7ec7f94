package dev.lorillama.api;

import java.util.List;

/**
 * How likely the model found one generated token, as OpenAI's {@code logprobs} report it: the
 * natural log of its probability under the model's own distribution at that step (softmax of the
 * raw logits: before temperature, penalties, truncation or a JSON constraint), and the most likely
 * tokens of that step.
 *
 * @param id      the token id
 * @param token   its text (a special token's name; a partial UTF-8 character shows as U+FFFD)
 * @param bytes   its raw bytes
 * @param logprob ln p(token)
 * @param top     the {@code n} most likely tokens at this step, most likely first (each with an empty {@code top})
 */
public record TokenLogprob(int id, String token, byte[] bytes, float logprob, List<TokenLogprob> top) {}
