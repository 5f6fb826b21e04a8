package org.syncserver.events;

import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.syncserver.config.Config;
import org.syncserver.config.RealmConfig;
import org.syncserver.error.AccessDeniedException;
import org.syncserver.error.ClientMessages;
import org.syncserver.http.HttpServer;
import org.syncserver.identity.Principal;
import org.syncserver.metrics.Metrics;
import org.syncserver.realm.Realm;
import org.syncserver.realm.Realms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Change notifications (PROTOCOL §11.2): a device learns that another device of its user pushed, without polling.
 * Pushes notify through PostgreSQL ({@link NotifyListener}, one connection per realm per instance); a slow safety
 * check compares every listener with the database, for what a notification may have missed (NOTIFY is best
 * effort, a listener connection may be down, some engines lack it), and ends the listeners whose token expired or
 * was revoked. Nothing of a row ever travels here: the app calls sync_client's {@code sync()} when poked.
 */
public final class ChangeEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChangeEvents.class);
    /** How long a client waits before it reconnects a dropped stream (SSE {@code retry}). */
    private static final int RETRY_MILLIS = 3_000;
    private static final int STREAM_BUFFER_BYTES = 512;
    /** A stream whose write has been blocked for this many heartbeats is ended: its reader stopped reading. */
    private static final int STALLED_HEARTBEATS = 2;

    private final Realms realms;
    private final EventHub hub;
    private final EventRepository events = new EventRepository();
    private final Map<String, NotifyListener> notifyListeners = new LinkedHashMap<>();
    /** The safety checks, which read the database. */
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("events-check").daemon().factory());
    /** The pings, on a thread of their own: a check waiting for the database must not silence every stream. */
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("events-heartbeat").daemon().factory());
    /** Writes to streams, each on a virtual thread: a stream that is not read blocks only its own writer. */
    private final ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();
    private final long stalledNanos;
    private final Clock clock;
    private final Metrics metrics;

    public ChangeEvents(Realms realms, List<RealmConfig> configs, Config.Notifications settings, Clock clock,
                        Metrics metrics) {
        this.realms = realms;
        this.hub = new EventHub(settings.maxStreamsPerUser(), settings.maxStreamsPerAddress(), settings.maxStreams());
        this.stalledNanos = settings.heartbeat().multipliedBy(STALLED_HEARTBEATS).toNanos();
        this.clock = clock;
        this.metrics = metrics;
        metrics.gauge("events.streams.open", "event streams and long polls open on this instance", hub::open);
        for (RealmConfig realm : configs) {
            NotifyListener listener = new NotifyListener(realm, notice -> onNotice(realm.name(), notice),
                    () -> checks.execute(() -> check(realm.name())));
            notifyListeners.put(realm.name(), listener);
            Thread.ofPlatform().name("notify-" + realm.name()).daemon().start(listener);
        }
        long heartbeat = settings.heartbeat().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        long check = settings.safetyCheck().toMillis();
        checks.scheduleWithFixedDelay(this::checkAll, check, check, TimeUnit.MILLISECONDS);
    }

    /** Whether this instance hears the realm's notifications: only then do its pushes notify. */
    public boolean notifies(String realm) {
        NotifyListener listener = notifyListeners.get(realm);
        return listener != null && listener.listening();
    }

    /** Opens an event stream: the device is told at once if another device pushed after {@code since}. */
    void stream(Context ctx, Realm realm, Principal device, String address, Long lastEventId) {
        EventRepository.Opening opening = realm.database().withConnection(connection ->
                events.opening(connection, device.clientId()));
        long since = lastEventId != null ? lastEventId : opening.pulledUpTo();
        SseClient client = new SseClient(ctx);
        StreamListener listener = new StreamListener(client, listening(device, address, opening), since, writers,
                metrics::eventSent);
        hub.add(realm.name(), listener);
        try {
            begin(ctx);
        } catch (RuntimeException e) {
            hub.remove(realm.name(), listener);
            throw e;
        }
        listener.start(() -> hub.remove(realm.name(), listener));
        check(realm, List.of(listener));
    }

    /** A long poll: the clock as soon as another device pushed after {@code since}, else nothing after the wait. */
    void poll(Context ctx, Realm realm, Principal device, String address, long since, Duration wait) {
        EventRepository.Opening opening = realm.database().withConnection(connection ->
                events.opening(connection, device.clientId()));
        PollListener listener = new PollListener(listening(device, address, opening), since);
        hub.add(realm.name(), listener);
        HttpServer.keepIdle(ctx, wait.plusSeconds(5));
        ctx.future(() -> listener.answer()
                .completeOnTimeout(java.util.OptionalLong.empty(), wait.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((clock, failure) -> hub.remove(realm.name(), listener))
                .thenAccept(clock -> {
                    if (clock.isPresent()) {
                        ctx.json(Map.of("clock", clock.getAsLong()));
                    } else {
                        ctx.status(204);
                    }
                }));
        checks.execute(() -> check(realm, List.of(listener)));
    }

    /** The device as it listens; a login ended since the request was authenticated is refused. */
    private static DeviceListener.Device listening(Principal device, String address, EventRepository.Opening opening) {
        UUID login = opening.login().orElseThrow(() -> new AccessDeniedException(ClientMessages.INVALID_TOKEN));
        return new DeviceListener.Device(device.userId(), device.clientId(), address, login, device.expiresAt());
    }

    private void begin(Context ctx) {
        var response = ctx.res();
        // Jetty keeps a response's output buffer (32 KB, direct memory) for as long as the response is open:
        // 10,000 idle streams took 320 MB and ran a 256 MB server out of direct memory. Events are tiny.
        response.setBufferSize(STREAM_BUFFER_BYTES);
        response.setStatus(200);
        response.setCharacterEncoding("UTF-8");
        response.setContentType("text/event-stream");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
        try {
            response.getOutputStream().write(("retry: " + RETRY_MILLIS + "\n\n").getBytes(StandardCharsets.UTF_8));
            response.flushBuffer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void onNotice(String realm, ChangeNotice notice) {
        hub.changed(realm, notice);
        metrics.eventLatency(Duration.ofMillis(Math.max(0, clock.millis() - notice.pushedAt())));
    }

    /**
     * Pings every stream; ends those whose reader has not read for a while, freeing their places. A failure is
     * logged and the next listener pinged: an exception would end the repeated task, and every stream's pings.
     */
    private void heartbeat() {
        for (String realm : Set.copyOf(hub.realmsWithListeners())) {
            for (Listener listener : hub.listeners(realm)) {
                try {
                    beat(realm, listener);
                } catch (RuntimeException e) {
                    log.warn("realm {}: heartbeat of a listener failed: {}", realm, e.toString());
                }
            }
        }
    }

    private void beat(String realm, Listener listener) {
        if (listener instanceof StreamListener stream && stream.stalledFor(stalledNanos)) {
            hub.remove(realm, listener);
            listener.close();
        } else {
            listener.ping();
        }
    }

    private void checkAll() {
        for (String realm : Set.copyOf(hub.realmsWithListeners())) {
            check(realm);
        }
    }

    private void check(String realmName) {
        try {
            Realm realm = realms.require(realmName);
            check(realm, hub.listeners(realmName));
        } catch (RuntimeException e) {
            log.debug("realm {}: event safety check skipped: {}", realmName, e.getMessage());
        }
    }

    /** What the safety check reads, on one connection: each device's current login, and what is new. */
    private record Standing(Map<UUID, UUID> logins, Map<EventRepository.Heard, Long> newer) {
    }

    /**
     * The safety check: tells listeners of changes the notifications missed, and ends those whose token expired or
     * whose login ended: revoked (a password change, an unregister, an operator) or replaced by a new login. A
     * refresh keeps the login, and the stream.
     */
    private void check(Realm realm, List<Listener> listeners) {
        if (listeners.isEmpty()) {
            return;
        }
        try {
            long now = clock.millis();
            List<UUID> devices = listeners.stream().map(Listener::clientId).distinct().toList();
            Standing standing = realm.database().withConnection(connection -> new Standing(
                    events.logins(connection, devices), events.newerChanges(connection, listeners)));
            for (Listener listener : listeners) {
                UUID login = standing.logins().get(listener.clientId());
                if (!listener.login().equals(login) || listener.expiresAt() <= now) {
                    listener.close();
                    continue;
                }
                Long clock = standing.newer().get(new EventRepository.Heard(listener.clientId(), listener.since()));
                if (clock != null && clock > listener.since()) {
                    listener.changed(clock);
                }
            }
        } catch (RuntimeException e) {
            log.debug("realm {}: event safety check failed: {}", realm.name(), e.getMessage());
        }
    }

    /** At shutdown: every stream is ended properly (the app reconnects, maybe to another instance). */
    @Override
    public void close() {
        notifyListeners.values().forEach(NotifyListener::stop);
        checks.shutdownNow();
        heartbeats.shutdownNow();
        hub.all().forEach(listener -> {
            if (listener instanceof StreamListener stream) {
                stream.closeNow();
            } else {
                listener.close();
            }
        });
        writers.shutdown(); // not awaited: a write to a reader that stopped reading may never end
    }
}
