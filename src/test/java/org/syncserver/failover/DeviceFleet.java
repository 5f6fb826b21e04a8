package org.syncserver.failover;

import org.syncserver.support.Accounts;
import org.syncserver.support.Response;
import org.syncserver.support.SyncDevice;
import org.syncserver.support.TestServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Devices syncing in a loop, each on a thread of its own as on a phone: each round adds a row and syncs. A row is
 * acknowledged once the sync that pushed it has been answered; a failed sync is counted by the status it got, and
 * its rows stay pending for the next round, as sync_client keeps them.
 */
final class DeviceFleet {

    /** A pause between rounds, so that 20 devices do not take both cores from the server. */
    private static final long ROUND_PAUSE_MILLIS = 50;

    private final Accounts accounts;
    private final List<SyncDevice> devices = new ArrayList<>();
    /** Devices whose refresh token was refused: the rotation that made theirs was lost with the old primary. */
    private final Set<SyncDevice> loggedOut = ConcurrentHashMap.newKeySet();
    /** Devices refused as "already syncing": a sync lock taken on the old primary outlived the failover. */
    private final Set<SyncDevice> lockedOut = ConcurrentHashMap.newKeySet();
    /** Start and end (System.nanoTime) of every sync that succeeded. */
    private final List<long[]> succeeded = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
    /** status of a refused call → how many calls were refused with it (0: no answer at all) */
    private final Map<Integer, AtomicLong> failures = new ConcurrentHashMap<>();
    /** The first answer of each unexpected status (not 503, 403 or 409), so that a failure says what was refused. */
    private final Map<Integer, String> unexpected = new ConcurrentHashMap<>();
    private final AtomicLong slowestSyncNanos = new AtomicLong();
    private final AtomicLong failedSyncs = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    DeviceFleet(TestServer server, String realm, int users, int devicesPerUser) {
        this.accounts = new Accounts(server);
        for (int user = 0; user < users; user++) {
            for (int device = 0; device < devicesPerUser; device++) {
                devices.add(new SyncDevice(server, accounts.device(realm, "user" + user + "@example.com", "pw",
                        device == 0), false));
            }
        }
    }

    int size() {
        return devices.size();
    }

    void start() {
        running = true;
        for (SyncDevice device : devices) {
            threads.add(Thread.ofPlatform().name("device-" + threads.size()).start(() -> syncInRounds(device)));
        }
    }

    /** @return how many devices were still waiting for an answer a minute later: hung calls */
    long stop() throws InterruptedException {
        running = false;
        long hung = 0;
        for (Thread thread : threads) {
            hung += thread.join(Duration.ofMinutes(1)) ? 0 : 1;
        }
        return hung;
    }

    private void syncInRounds(SyncDevice device) {
        List<UUID> pending = new ArrayList<>();
        while (running) {
            pending.add(device.insert(Map.of("title", "row " + UUID.randomUUID())));
            if (syncOnce(device)) {
                acknowledged.addAll(pending);
                pending.clear();
            }
            pause(ROUND_PAUSE_MILLIS);
        }
    }

    /** One sync, timed and counted. @return whether it succeeded */
    private boolean syncOnce(SyncDevice device) {
        long start = System.nanoTime();
        try {
            device.sync();
            succeeded.add(new long[] {start, System.nanoTime()});
            return true;
        } catch (RuntimeException failed) {
            failedSyncs.incrementAndGet();
            Response refusal = device.lastRefusal();
            int status = refusal == null ? 0 : refusal.status();
            if (status != 503 && status != 403 && status != 409) {
                unexpected.putIfAbsent(status, failed.getMessage());
            }
            List<Integer> refused = device.takeRefusals();
            (refused.isEmpty() ? List.of(0) : refused).forEach(code ->
                    failures.computeIfAbsent(code, s -> new AtomicLong()).incrementAndGet());
            if (status == 403 && refusal.body().contains("token")) {
                loggedOut.add(device);
                logInAgain(device);
            } else if (status == 409) {
                lockedOut.add(device);
            }
            return false;
        } finally {
            slowestSyncNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
        }
    }

    private void logInAgain(SyncDevice device) {
        try {
            device.logInAgain(accounts);
        } catch (RuntimeException stillDown) {
            // the next round tries again
        }
    }

    /** @return when the first sync that began after {@code sinceNanos} was answered, or -1 */
    long awaitAcknowledgedSyncAfter(long sinceNanos, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (succeeded) {
                var first = succeeded.stream().filter(sync -> sync[0] > sinceNanos).mapToLong(sync -> sync[1]).min();
                if (first.isPresent()) {
                    return first.getAsLong();
                }
            }
            pause(20);
        }
        return -1;
    }

    int loggedOut() {
        return loggedOut.size();
    }

    int lockedOut() {
        return lockedOut.size();
    }

    /**
     * Every device syncs until one sync succeeds, twice round, so that each has what the others pushed.
     * @return how many devices could not finish a sync within {@code atMost}
     */
    int converge(Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        int stuck = 0;
        for (int round = 0; round < 2; round++) {
            for (SyncDevice device : devices) {
                boolean synced = syncOnce(device);
                while (!synced && System.nanoTime() < deadline) {
                    pause(200);
                    synced = syncOnce(device);
                }
                stuck += synced || round == 0 ? 0 : 1;
            }
        }
        return stuck;
    }

    Set<UUID> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    /** Devices whose rows differ from those of their user's first device. */
    long divergentDevices(int devicesPerUser) {
        long divergent = 0;
        for (int i = 0; i < devices.size(); i++) {
            SyncDevice first = devices.get(i - i % devicesPerUser);
            divergent += devices.get(i).rows().equals(first.rows()) ? 0 : 1;
        }
        return divergent;
    }

    /** The acknowledged rows that some device of their user does not hold. */
    long acknowledgedMissingOnDevices() {
        Set<UUID> everywhere = ConcurrentHashMap.newKeySet();
        devices.forEach(device -> everywhere.addAll(device.rows().keySet()));
        return acknowledged.stream().filter(row -> !everywhere.contains(row)).count();
    }

    /** @return status → calls refused with it (0: no answer) */
    Map<Integer, Long> failuresByStatus() {
        Map<Integer, Long> byStatus = new TreeMap<>();
        failures.forEach((status, count) -> byStatus.put(status, count.get()));
        return byStatus;
    }

    /** @return status → the first answer refused with it, for the statuses a failover should not produce */
    Map<Integer, String> unexpectedRefusals() {
        return Map.copyOf(unexpected);
    }

    long failedSyncs() {
        return failedSyncs.get();
    }

    Duration slowestSync() {
        return Duration.ofNanos(slowestSyncNanos.get());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
