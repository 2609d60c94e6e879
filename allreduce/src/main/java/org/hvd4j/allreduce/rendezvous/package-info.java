/**
 * Rendezvous: a small key–value store that the launcher hosts
 * ({@link org.hvd4j.allreduce.rendezvous.RendezvousServer}) and every rank connects to at start-up
 * ({@link org.hvd4j.allreduce.rendezvous.RendezvousClient}) to publish and fetch listening
 * addresses, host information and small blobs, and to meet at barriers; the counterpart of
 * torch's {@code TCPStore} and Horovod's HTTP rendezvous.
 *
 * <p><b>Transport.</b> One TCP connection per client, authenticated by
 * {@link org.hvd4j.allreduce.net.Handshake} with the job secret and purpose {@code "rendezvous"}
 * (the client's rank travels in the handshake). Then the client sends requests and the server
 * answers each, in order, one at a time, every message being one
 * {@link org.hvd4j.allreduce.net.Frames frame}.
 *
 * <p><b>Requests</b> (big-endian; a <i>string</i> or <i>bytes</i> field is an int length followed
 * by that many bytes, strings in UTF-8): {@code op} (1 byte), {@code key} (string; the prefix for
 * KEYS), then per op:
 * <pre>
 *   PUT        1  value: bytes                          → OK
 *   GET        2  timeoutMillis: long                   → OK value (rest of the frame) | NOT_FOUND
 *   ADD        3  delta: long                           → OK newValue: long
 *   DELETE     4  (nothing)                             → OK existed: boolean
 *   WAIT_COUNT 5  target: long, timeoutMillis: long     → OK count: long | NOT_FOUND count: long
 *   KEYS       6  (nothing)                             → OK n: int, then n strings (sorted)
 * </pre>
 * <b>Replies</b>: {@code status} (1 byte: OK 0, NOT_FOUND 1 = the wait timed out, ERROR 2), then
 * the fields above, or for ERROR a UTF-8 message to the end of the frame.
 *
 * <p>GET and WAIT_COUNT block on the server (not by polling) until the key exists / the counter
 * reaches the target, or the timeout passes. Counters are values of exactly 8 bytes (big-endian
 * long); ADD creates a missing counter at 0 first. Keys are at most 1 KiB of UTF-8 and values at
 * most 16 MiB; a request over a limit, a malformed request, or a counter operation on a key that
 * holds another kind of value gets an ERROR reply and the connection carries on.
 */
package org.hvd4j.allreduce.rendezvous;
