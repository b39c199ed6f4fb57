// An AWS answer that parsed but is not the shape its API defines (a broken proxy, an endpoint that is not the
// service): the request failed. Every reader retries it as it retries a 5xx; none treats its name specially.
export class MalformedAnswerError extends Error {
  override readonly name = 'MalformedAnswer';
}
