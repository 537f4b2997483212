/** A host name or address of this machine's loopback interface (`[::1]` as a URL writes it). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
