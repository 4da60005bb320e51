package org.ichnode.node.ris;

import org.ichnode.store.testing.TestH2;

/** The FHIR pull into the embedded H2 database. */
class FhirReportPullH2Test extends FhirReportPullContractTest {
    private TestH2 h2;

    @Override
    protected String openFreshDatabase() throws Exception {
        h2 = new TestH2();
        return h2.url();
    }

    @Override
    protected void dropDatabase() throws Exception {
        if (h2 != null) h2.close();
    }
}
