package org.ichnode.store;

import org.ichnode.store.testing.TestPostgres;

/** The delivery queue on a real PostgreSQL: a database created for the class and dropped after it. */
class PostgresDeliveryQueueTest extends DeliveryQueueContractTest {
    private TestPostgres pg;

    @Override
    protected Database openFreshDatabase() {
        pg = new TestPostgres();
        return Database.open(pg.url());
    }

    /** Another pool on the same database: the same as a second node process for the database. */
    @Override
    protected Database openSecond() {
        return Database.open(pg.url());
    }

    @Override
    protected void dropDatabase() throws Exception {
        if (pg != null) pg.close();
    }
}
