package org.tunnelmesh.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.micrometer.core.instrument.MockClock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KernelReadingTest {

    private final MockClock clock = new MockClock();
    private final AtomicInteger reads = new AtomicInteger();
    private final KernelReading<Integer> reading =
            new KernelReading<>("a counter", reads::incrementAndGet, TimeUnit.MILLISECONDS.toNanos(500), clock);

    @Test
    void aReadingServesUntilItIsOlderThanTheMaximumAge() {
        assertEquals(1, reading.current());
        clock.add(Duration.ofMillis(499));
        assertEquals(1, reading.current());
        clock.add(Duration.ofMillis(1));
        assertEquals(2, reading.current());
        assertEquals(2, reads.get());
    }

    @Test
    void aSmallScrapeIsAlwaysFresh() {
        for (int scrape = 1; scrape <= 5; scrape++) {
            for (int value = 0; value < KernelReading.CHECK_EVERY - 1; value++) {
                assertEquals(scrape, reading.current(), "scrape " + scrape + ", value " + value);
            }
            clock.add(Duration.ofSeconds(1));
        }
    }

    @Test
    void aLargeScrapeLagsAtMostCheckEveryMinusOneValuesIntoTheNext() {
        for (int value = 0; value < 80_000; value++) {
            assertEquals(1, reading.current());
        }
        clock.add(Duration.ofSeconds(15));
        int stale = 0;
        while (reading.current() == 1) {
            stale++;
        }
        assertEquals(2, reads.get(), "one read per scrape");
        assertEquals(KernelReading.CHECK_EVERY - 1, stale, "values of the next scrape from the previous reading");
    }

    @Test
    void aFailedReadIsNullAndKeptUntilTheNextScrape() {
        AtomicInteger attempts = new AtomicInteger();
        KernelReading<Integer> failing = new KernelReading<>(
                "a closed mesh",
                () -> {
                    attempts.incrementAndGet();
                    throw new IllegalStateException("closed");
                },
                TimeUnit.MILLISECONDS.toNanos(500),
                clock);
        for (int i = 0; i < 1000; i++) {
            assertNull(failing.current());
        }
        assertEquals(1, attempts.get());
        clock.add(Duration.ofSeconds(1));
        for (int i = 0; i < KernelReading.CHECK_EVERY; i++) {
            assertNull(failing.current());
        }
        assertEquals(2, attempts.get(), "the next scrape tries once more");
    }
}
