package org.ichnode.store;

import org.ichnode.store.testing.TestH2;

/** The model registry on the embedded H2 file database (the zero-setup default). */
class H2ModelRegistryTest extends ModelRegistryContractTest {
    private TestH2 h2;

    @Override
    protected Database openFreshDatabase() throws Exception {
        h2 = new TestH2();
        return Database.open(h2.url());
    }

    @Override
    protected void dropDatabase() throws Exception {
        if (h2 != null) h2.close();
    }
}
