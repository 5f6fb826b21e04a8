package org.syncserver.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request reading its body holds a request thread until the body is in. Slow senders could hold them all, and
 * then even {@code /healthz} would wait: so one client address may read at most {@link #PER_ADDRESS} bodies at
 * once, and all addresses together at most {@link #TOTAL} (of the 250 request threads). A request beyond either
 * is answered at once with 503 and Retry-After, before it reads anything. 64 leaves room for many honest devices
 * behind one NAT address: with 24, the benchmark's 50 devices on one address were refused now and then.
 */
final class BodyGate {

    static final int PER_ADDRESS = 64;
    static final int TOTAL = 200;

    /** Closed on release: the body has been read, or given up. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    private final ConcurrentHashMap<String, AtomicInteger> readers = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    Permit enter(String address) {
        if (total.incrementAndGet() > TOTAL) {
            total.decrementAndGet();
            throw new BusyException("The server is receiving too many request bodies at once, please retry in a moment");
        }
        AtomicInteger mine = readers.compute(address, (key, count) -> {
            AtomicInteger counter = count == null ? new AtomicInteger() : count;
            counter.incrementAndGet();
            return counter;
        });
        if (mine.get() > PER_ADDRESS) {
            leave(address);
            throw new BusyException("Too many requests from your address are sending their bodies at once, please "
                    + "retry in a moment");
        }
        return () -> leave(address);
    }

    private void leave(String address) {
        total.decrementAndGet();
        readers.computeIfPresent(address, (key, count) -> count.decrementAndGet() == 0 ? null : count);
    }
}
