// A URL as kawa may print it in errors and logs: the password of its user info and the values of query
// parameters that carry secrets (tokens, keys, signatures) replaced by [redacted]. Works on text that is not
// a valid URL too, since that is exactly the text a configuration error quotes.
const SECRET_PARAM = /([?&](?:[\w.-]*(?:token|key|secret|password|passwd|pwd|signature|sig|credential|auth)[\w.-]*)=)[^&#\s"]*/gi;

export function redactUrl(text: string): string {
  return text
    .replace(/(\/\/[^/@\s:"]*:)[^/@\s"]*@/g, '$1[redacted]@')
    .replace(SECRET_PARAM, '$1[redacted]');
}
