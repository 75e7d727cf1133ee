package org.tunnelmesh.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.tunnelmesh.Ipv4Address;
import org.tunnelmesh.LinkCounters;
import org.tunnelmesh.TunnelDevice;

class DeviceSnapshotsTest {

    private static final long MAX_AGE = TimeUnit.MILLISECONDS.toNanos(250);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final AtomicInteger dumps = new AtomicInteger();
    private final DeviceSnapshots snapshots = new DeviceSnapshots(this::dump, MAX_AGE, clock::get);

    private List<TunnelDevice> dump() {
        long sent = dumps.incrementAndGet();
        return List.of(new TunnelDevice(
                "tunl0", 2, Ipv4Address.ANY, Ipv4Address.ANY, 1480, true, new LinkCounters(0, 0, 0, 0, sent, 0, 0, 0)));
    }

    @Test
    void readsWithinTheMaximumAgeShareOneDump() {
        snapshots.current();
        clock.addAndGet(MAX_AGE - 1);
        snapshots.current();
        snapshots.current();

        assertEquals(1, dumps.get());
    }

    @Test
    void aSnapshotAtTheMaximumAgeIsReplaced() {
        snapshots.current();
        clock.addAndGet(MAX_AGE);

        long txPackets = snapshots.current().get("tunl0").counters().txPackets();

        assertEquals(2, dumps.get());
        assertEquals(2, txPackets);
    }

    @Test
    void refreshAlwaysDumpsAndFeedsLaterReads() {
        snapshots.current();
        snapshots.refresh();
        snapshots.current();

        assertEquals(2, dumps.get());
    }
}
