package org.ichnode.store;

import org.ichnode.store.testing.TestH2;

/** The delivery queue on the embedded H2 file database (the zero-setup default). */
class H2DeliveryQueueTest extends DeliveryQueueContractTest {
    private TestH2 h2;

    @Override
    protected Database openFreshDatabase() throws Exception {
        h2 = new TestH2();
        return Database.open(h2.url());
    }

    /** An embedded H2 file belongs to one process; a second pool in the same JVM is the closest match. */
    @Override
    protected Database openSecond() {
        return Database.open(h2.url());
    }

    @Override
    protected void dropDatabase() throws Exception {
        if (h2 != null) h2.close();
    }
}
