package org.ichnode.store;

import org.ichnode.store.testing.TestPostgres;

/** The model registry on a real PostgreSQL: a database created for the class and dropped after it. */
class PostgresModelRegistryTest extends ModelRegistryContractTest {
    private TestPostgres pg;

    @Override
    protected Database openFreshDatabase() {
        pg = new TestPostgres();
        return Database.open(pg.url());
    }

    @Override
    protected void dropDatabase() throws Exception {
        if (pg != null) pg.close();
    }
}
