package org.syncserver.events;

import org.syncserver.http.BusyException;
import org.syncserver.http.TooManyRequestsException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The listeners of this instance, by realm and user: a change notice reaches only the other devices of the user
 * who pushed. Idle listeners cost a map entry each, no thread and no database work. Capped per user, per client
 * address and in all; at the user's or the address's cap, a device's new listener replaces the device's oldest one
 * instead of being refused: a phone that changed networks ten times left its old streams dead but open (TCP takes
 * a quarter of an hour to notice), and they locked its user out of events.
 */
final class EventHub {

    private record Key(String realm, UUID userId) {
    }

    private final Map<Key, List<Listener>> byUser = new ConcurrentHashMap<>();
    /** Open listeners by client address; changed only under the hub's lock. */
    private final Map<String, Integer> byAddress = new HashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final int maxPerUser;
    private final int maxPerAddress;
    private final int maxTotal;

    EventHub(int maxPerUser, int maxPerAddress, int maxTotal) {
        this.maxPerUser = maxPerUser;
        this.maxPerAddress = maxPerAddress;
        this.maxTotal = maxTotal;
    }

    /**
     * Adds the listener; at a cap, in place of its device's oldest listener, which is ended.
     *
     * @throws TooManyRequestsException over the per-user or per-address cap; BusyException over this instance's cap
     */
    void add(String realm, Listener listener) {
        Optional<Listener> replaced;
        synchronized (this) {
            List<Listener> mine = byUser.computeIfAbsent(new Key(realm, listener.userId()),
                    key -> new CopyOnWriteArrayList<>());
            replaced = atCap(mine, listener.address()) ? mine.stream()
                    .filter(older -> older.clientId().equals(listener.clientId())).findFirst() : Optional.empty();
            replaced.ifPresent(older -> removeLocked(realm, older));
            mine = byUser.computeIfAbsent(new Key(realm, listener.userId()), key -> new CopyOnWriteArrayList<>());
            requireRoom(mine, listener.address());
            mine.add(listener);
            byAddress.merge(listener.address(), 1, Integer::sum);
            open.incrementAndGet();
        }
        replaced.ifPresent(Listener::close);
    }

    private boolean atCap(List<Listener> mine, String address) {
        return mine.size() >= maxPerUser || byAddress.getOrDefault(address, 0) >= maxPerAddress;
    }

    private void requireRoom(List<Listener> mine, String address) {
        if (open.get() >= maxTotal) {
            throw new BusyException("This server holds as many event streams as it can, please retry in a moment");
        }
        if (mine.size() >= maxPerUser) {
            throw new TooManyRequestsException("This account has " + maxPerUser + " event streams open, the most it "
                    + "may: close one (each device needs one)", 60);
        }
        if (byAddress.getOrDefault(address, 0) >= maxPerAddress) {
            throw new TooManyRequestsException("This address has " + maxPerAddress + " event streams open, the most "
                    + "it may", 60);
        }
    }

    synchronized void remove(String realm, Listener listener) {
        removeLocked(realm, listener);
    }

    private void removeLocked(String realm, Listener listener) {
        Key key = new Key(realm, listener.userId());
        List<Listener> mine = byUser.get(key);
        if (mine != null && mine.remove(listener)) {
            open.decrementAndGet();
            byAddress.computeIfPresent(listener.address(), (address, count) -> count == 1 ? null : count - 1);
            if (mine.isEmpty()) {
                byUser.remove(key);
            }
        }
    }

    /** A push committed: every other device of the user that has not been told hears of it. */
    void changed(String realm, ChangeNotice notice) {
        for (Listener listener : byUser.getOrDefault(new Key(realm, notice.userId()), List.of())) {
            if (!listener.clientId().equals(notice.pusher()) && notice.clock() > listener.since()) {
                listener.changed(notice.clock());
            }
        }
    }

    List<Listener> listeners(String realm) {
        return byUser.entrySet().stream().filter(entry -> entry.getKey().realm().equals(realm))
                .flatMap(entry -> entry.getValue().stream()).toList();
    }

    List<Listener> all() {
        return byUser.values().stream().flatMap(List::stream).toList();
    }

    Set<String> realmsWithListeners() {
        return byUser.keySet().stream().map(Key::realm).collect(Collectors.toSet());
    }

    int open() {
        return open.get();
    }
}
