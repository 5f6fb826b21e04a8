package org.syncserver.events;

import org.syncserver.http.BusyException;
import org.syncserver.http.TooManyRequestsException;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The listeners of this instance, by realm and user: a change notice reaches only the other devices of the user
 * who pushed. Idle listeners cost a map entry each, no thread and no database work.
 */
final class EventHub {

    private record Key(String realm, UUID userId) {
    }

    private final Map<Key, List<Listener>> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final int maxPerUser;
    private final int maxTotal;

    EventHub(int maxPerUser, int maxTotal) {
        this.maxPerUser = maxPerUser;
        this.maxTotal = maxTotal;
    }

    /** @throws TooManyRequestsException over the per-user cap; BusyException over this instance's cap */
    void add(String realm, Listener listener) {
        if (open.incrementAndGet() > maxTotal) {
            open.decrementAndGet();
            throw new BusyException("This server holds as many event streams as it can, please retry in a moment");
        }
        List<Listener> mine = byUser.computeIfAbsent(new Key(realm, listener.userId()),
                key -> new CopyOnWriteArrayList<>());
        synchronized (mine) {
            if (mine.size() >= maxPerUser) {
                open.decrementAndGet();
                throw new TooManyRequestsException(60);
            }
            mine.add(listener);
        }
    }

    void remove(String realm, Listener listener) {
        List<Listener> mine = byUser.get(new Key(realm, listener.userId()));
        if (mine != null && mine.remove(listener)) {
            open.decrementAndGet();
            byUser.computeIfPresent(new Key(realm, listener.userId()), (key, list) -> list.isEmpty() ? null : list);
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
