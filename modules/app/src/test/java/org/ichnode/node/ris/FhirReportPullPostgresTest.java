package org.ichnode.node.ris;

import org.ichnode.store.testing.TestPostgres;

/** The FHIR pull into a real PostgreSQL (a database created for the class and dropped after it). */
class FhirReportPullPostgresTest extends FhirReportPullContractTest {
    private TestPostgres pg;

    @Override
    protected String openFreshDatabase() {
        pg = new TestPostgres();
        return pg.url();
    }

    @Override
    protected void dropDatabase() throws Exception {
        if (pg != null) pg.close();
    }
}
