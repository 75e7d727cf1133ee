package org.tunnelmesh.jmx.remote;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Failed logins, limited per source address with a token bucket: {@code burst} failures at once,
 * then one more every {@code refillMillis}. A login is only checked with a token in hand; a
 * right password gives its token back, so the operator's own requests cost nothing.
 *
 * <p>Why a bucket and not a growing delay or a lock-out: the operator and a local attacker share
 * 127.0.0.1, and no limit keyed on the address can tell them apart. A lock-out (or a delay that
 * grows with the failures) would keep the operator out for as long as it lasts after the attacker
 * stops; an empty bucket refills in {@code refillMillis}, so the operator is back in within about
 * a second of the last guess, while the attacker gets one guess per {@code refillMillis}. While
 * the attacker keeps guessing, the operator competes with them for the tokens and may be told 429
 * (retry). Checking without a token would tell the attacker whether the guess was right, so an
 * empty bucket answers 429 before any check.
 */
final class LoginThrottle {
    /** Addresses remembered at most; buckets that are full again are forgotten first. */
    private static final int MAX_ADDRESSES = 4096;

    private final int burst;
    private final long refillNanos;
    private final Map<InetAddress, Bucket> buckets = new HashMap<>();

    LoginThrottle(int burst, long refillMillis) {
        this.burst = burst;
        this.refillNanos = refillMillis * 1_000_000;
    }

    /** Takes a token for one login check from {@code address}; false when there is none left. */
    synchronized boolean tryCheck(InetAddress address) {
        long now = System.nanoTime();
        Bucket bucket = buckets.get(address);
        if (bucket == null) {
            if (buckets.size() >= MAX_ADDRESSES) {
                buckets.values().removeIf(b -> b.tokens(now) >= burst);
            }
            if (buckets.size() >= MAX_ADDRESSES) {
                return false; // that many addresses failing at once: an attack from everywhere, no one is checked
            }
            bucket = new Bucket(now);
            buckets.put(address, bucket);
        }
        return bucket.take(now);
    }

    /** The login was right: its token goes back. */
    synchronized void succeeded(InetAddress address) {
        Bucket bucket = buckets.get(address);
        if (bucket != null) {
            bucket.give(System.nanoTime());
        }
    }

    /** Seconds until {@code address} may try again, for Retry-After. */
    long retryAfterSeconds() {
        return Math.max(1, (refillNanos + 999_999_999) / 1_000_000_000);
    }

    /** Tokens as of {@code since}, plus one per refill interval since then. */
    private final class Bucket {
        private double tokens = burst;
        private long since;

        Bucket(long now) {
            since = now;
        }

        double tokens(long now) {
            return Math.min(burst, tokens + (double) (now - since) / refillNanos);
        }

        boolean take(long now) {
            tokens = tokens(now);
            since = now;
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }

        void give(long now) {
            tokens = Math.min(burst, tokens(now) + 1);
            since = now;
        }
    }
}
