package org.syncserver.http;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request reading its body holds a request thread until the body is in. Slow senders could hold them all, and
 * then even {@code /healthz} would wait: so bodies are read under caps, and a request beyond one is answered at once
 * with 503 and Retry-After, before it reads anything. Two pools share the request threads:
 * <ul>
 *   <li>bodies of authenticated requests (pull, push, cancelSync, unregister), capped per client address and per
 *   account: four addresses sending a byte a second to {@code /register} used to take every place, and then no
 *   device could pull or push; one account's token used from four addresses did the same on push;</li>
 *   <li>bodies of everything else (register, login, refresh, password, the console's login), capped per address
 *   lower than their pool, so that a few addresses cannot take it all.</li>
 * </ul>
 * 64 per address leaves room for many honest devices behind one NAT address: with 24, the benchmark's 50 devices
 * on one address were refused now and then. A body whose bytes have all arrived takes no place: reading it cannot
 * wait on its sender (a token refresh's body comes with its headers; with 12 places an address, the benchmark's
 * refreshes were refused now and then).
 */
final class BodyGate {

    /** How many bodies one pool reads at once: in all, per client address, per account (0: not counted). */
    record Pool(String name, int total, int perAddress, int perAccount) {
    }

    /** Sync work of devices that proved who they are: never starved by bodies anyone can send. */
    static final Pool AUTHENTICATED = new Pool("authenticated", 128, 64, 24);
    /** Small bodies whose sender is not known yet; an honest one is read in milliseconds. */
    static final Pool ANONYMOUS = new Pool("anonymous", 72, 12, 0);

    /** Closed on release: the body has been read, or given up. */
    interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /** For a body read without a place: one whose bytes have all arrived, whose reading cannot wait. */
    static final Permit NOT_COUNTED = () -> { };

    /** Counts by key, each up to its own maximum. */
    private static final class Counts {
        private final ConcurrentHashMap<Object, AtomicInteger> counts = new ConcurrentHashMap<>();

        boolean tryEnter(Object key, int max) {
            AtomicInteger mine = counts.compute(key, (k, count) -> {
                AtomicInteger counter = count == null ? new AtomicInteger() : count;
                counter.incrementAndGet();
                return counter;
            });
            if (mine.get() > max) {
                leave(key);
                return false;
            }
            return true;
        }

        void leave(Object key) {
            counts.computeIfPresent(key, (k, count) -> count.decrementAndGet() == 0 ? null : count);
        }
    }

    private record Key(Pool pool, Object who) {
    }

    private final Counts counts = new Counts();

    /** @param account the authenticated account the body belongs to; empty when its sender is not known yet */
    Permit enter(String address, Optional<UUID> account) {
        Pool pool = account.isPresent() ? AUTHENTICATED : ANONYMOUS;
        Key all = new Key(pool, pool.name());
        Key fromAddress = new Key(pool, address);
        if (!counts.tryEnter(all, pool.total())) {
            throw new BusyException("The server is receiving too many request bodies at once, please retry in a moment");
        }
        if (!counts.tryEnter(fromAddress, pool.perAddress())) {
            counts.leave(all);
            throw new BusyException("Too many requests from your address are sending their bodies at once, please "
                    + "retry in a moment");
        }
        if (account.isEmpty()) {
            return () -> leave(all, fromAddress);
        }
        Key ofAccount = new Key(pool, account.get());
        if (!counts.tryEnter(ofAccount, pool.perAccount())) {
            leave(all, fromAddress);
            throw new BusyException("Too many requests of your account are sending their bodies at once, please "
                    + "retry in a moment");
        }
        return () -> leave(all, fromAddress, ofAccount);
    }

    private void leave(Key... keys) {
        for (Key key : keys) {
            counts.leave(key);
        }
    }
}
