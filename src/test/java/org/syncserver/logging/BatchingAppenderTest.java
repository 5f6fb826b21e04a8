package org.syncserver.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class BatchingAppenderTest {

    private final LoggerContext context = new LoggerContext();
    private final ListAppender<ILoggingEvent> console = new ListAppender<>();
    private final BatchingAppender appender = new BatchingAppender();

    @BeforeEach
    void start() {
        context.setMDCAdapter(new LogbackMDCAdapter());
        console.setContext(context);
        console.start();
        appender.setContext(context);
        appender.addAppender(console);
    }

    @Test
    void linesReachTheConsoleInOrderWithoutTheCallerWaiting() throws InterruptedException {
        appender.start();
        IntStream.range(0, 1000).forEach(i -> appender.doAppend(event(Level.INFO, "line {}", i)));

        waitFor(() -> console.list.size() == 1000);
        assertThat(console.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactlyElementsOf(IntStream.range(0, 1000).mapToObj(i -> "line " + i).toList());
        appender.stop();
    }

    @Test
    void stoppingWritesWhatIsStillQueued() {
        appender.start();
        IntStream.range(0, 100).forEach(i -> appender.doAppend(event(Level.INFO, "line {}", i)));

        appender.stop();

        assertThat(console.list).hasSize(100);
        assertThat(console.isStarted()).as("the console is stopped with it").isFalse();
    }

    @Test
    void aFullQueueDropsLinesInsteadOfBlockingTheCaller() {
        appender.setQueueSize(10);
        appender.start();
        console.stop(); // a console that takes nothing: the writer drains the queue, the lines go nowhere
        long started = System.nanoTime();
        IntStream.range(0, 100_000).forEach(i -> appender.doAppend(event(Level.INFO, "line {}", i)));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("never waited for the writer")
                .isLessThan(Duration.ofSeconds(5));
        appender.stop();
    }

    @Test
    void argumentsAreFormattedWhenLoggedNotWhenWritten() throws InterruptedException {
        appender.start();
        StringBuilder changing = new StringBuilder("before");
        appender.doAppend(event(Level.WARN, "value {}", changing));
        changing.replace(0, changing.length(), "after");

        waitFor(() -> console.list.size() == 1);
        assertThat(console.list.getFirst().getFormattedMessage()).isEqualTo("value before");
        appender.stop();
    }

    private LoggingEvent event(Level level, String message, Object argument) {
        return new LoggingEvent(getClass().getName(), context.getLogger("test"), level, message, null,
                new Object[]{argument});
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(condition.getAsBoolean()).as("in time").isTrue();
    }
}
