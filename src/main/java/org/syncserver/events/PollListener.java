package org.syncserver.events;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/** A long poll: answered with the first clock past {@code since}, or with nothing when it ends first. */
final class PollListener extends DeviceListener {

    private final long since;
    private final CompletableFuture<OptionalLong> answer = new CompletableFuture<>();

    PollListener(Device device, long since) {
        super(device);
        this.since = since;
    }

    CompletableFuture<OptionalLong> answer() {
        return answer;
    }

    @Override
    public long since() {
        return since;
    }

    @Override
    public void changed(long clock) {
        answer.complete(OptionalLong.of(clock));
    }

    @Override
    public void ping() {
        // a long poll ends before a heartbeat would matter
    }

    @Override
    public void close() {
        answer.complete(OptionalLong.empty());
    }
}
