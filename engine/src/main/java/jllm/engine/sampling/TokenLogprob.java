package jllm.engine.sampling;

/**
 * One entry of a top-logprobs list: a token id and its natural-log probability.
 *
 * @param id      token id
 * @param logprob log of the token's probability under the raw distribution
 */
public record TokenLogprob(int id, float logprob) {
}
