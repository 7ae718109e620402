package dev.deneb.cli.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Tables from the JSON shapes documented in docs/api.md. */
class ViewsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CLUSTER = """
      {"name":"orders","epoch":2,"primary":"db2","paused":false,
       "settings":{"durability":"semi-sync","leaseTtlMs":3000,"autoFailover":true,"cooldownMs":300000,"dnsNames":["orders.db.example"],"historyLimit":100,"failsafe":false},
       "nodes":[{"node":"db1","host":"127.0.0.1","port":3307,"promotionRule":"neutral","state":"quarantined"},
                {"node":"db2","host":"127.0.0.1","port":3308,"promotionRule":"prefer","state":"online"},
                {"node":"db3","host":"::1","port":3309,"promotionRule":"must_not","state":"online"}],
       "workflow":{"kind":"failover","targetEpoch":3,"from":"db2","target":"db3","step":"candidate_chosen","automatic":true,
                   "reason":"lease lapsed","begunAtMillis":1,"stepAtMillis":2}}
      """;

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void clusterList() throws Exception {
    String text = Views.clusters(json("{\"clusters\":[" + CLUSTER + ",{\"name\":\"pay\",\"epoch\":0,\"primary\":null,"
        + "\"paused\":true,\"nodes\":[],\"workflow\":null}],\"appliedIndex\":42}"));

    assertThat(text).isEqualTo("""
        NAME    EPOCH  PRIMARY  NODES              WORKFLOW                                           PAUSED
        orders  2      db2      3 (1 quarantined)  failover db2->db3 at candidate_chosen (automatic)  no
        pay     0      -        0                  -                                                  yes
        """);
  }

  @Test
  void noClustersSaysHowToCreateOne() throws Exception {
    assertThat(Views.clusters(json("{\"clusters\":[],\"appliedIndex\":3}")))
        .isEqualTo("no clusters yet: create one with 'deneb ctl create <name>'\n");
  }

  @Test
  void clusterDetail() throws Exception {
    assertThat(Views.cluster(json(CLUSTER))).isEqualTo("""
        cluster   orders
        epoch     2
        primary   db2 (127.0.0.1:3308)
        paused    no
        workflow  failover db2->db3 at candidate_chosen (automatic)
        settings  durability semi-sync, lease ttl 3s, auto-failover on, cooldown 5m, failsafe off, dns orders.db.example

        NODE  ADDRESS         ROLE     PROMOTION  STATE
        db1   127.0.0.1:3307  replica  neutral    quarantined
        db2   127.0.0.1:3308  primary  prefer     online
        db3   [::1]:3309      replica  must_not   online
        """);
  }

  @Test
  void primaryIsOneLine() throws Exception {
    assertThat(Views.primary(json("{\"cluster\":\"orders\",\"epoch\":1,\"node\":\"db1\",\"host\":\"127.0.0.1\",\"port\":3306}")))
        .isEqualTo("orders: epoch 1, primary db1 at 127.0.0.1:3306\n");
  }

  @Test
  void history() throws Exception {
    String text = Views.history(json("""
        {"cluster":"orders","history":[
          {"epoch":1,"primary":"db1","reason":"bootstrap","atMillis":0,"lostGtids":""},
          {"epoch":2,"primary":"db2","reason":"failover: lease lapsed","atMillis":1700000000000,"lostGtids":"3E11FA47-71CA-11E1-9E33-C80AA9429562:23"}]}
        """));

    assertThat(text).isEqualTo("""
        EPOCH  PRIMARY  REASON                  AT                    LOST GTIDS
        1      db1      bootstrap               1970-01-01T00:00:00Z  -
        2      db2      failover: lease lapsed  2023-11-14T22:13:20Z  3E11FA47-71CA-11E1-9E33-C80AA9429562:23
        """);
  }

  @Test
  void aWorkflowWithoutTargetYetShowsWhereItComesFrom() throws Exception {
    assertThat(Views.workflow(json("{\"kind\":\"failover\",\"from\":\"db1\",\"target\":null,\"step\":\"begun\",\"automatic\":false}")))
        .isEqualTo("failover from db1 at begun");
    assertThat(Views.workflow(json("null"))).isNull();
  }

  @Test
  void explainShowsTheReasonTheDetailAndOneEvidenceLinePerNode() throws Exception {
    String text = Views.explain(json("""
        {"cluster":"orders","member":"c2","role":"LEADER","term":4,"action":"none","reason":"AWAITING_CATCH_UP",
         "detail":"waiting for db2 to execute the old primary's final position 0-1-42","atMillis":1700000000123,
         "evidence":{"leaseSilenceMillis":"812","stepAgeMillis":"230",
                     "node.db1":"report 90 ms old, mysqld up, read_only true, executed 0-1-42",
                     "node.db2":"report 40 ms old, mysqld up, read_only true, source 127.0.0.1:3307 io true lag 0, executed 0-1-41"},
         "workflow":{"kind":"switchover","targetEpoch":3,"from":"db1","target":"db2","step":"fenced","automatic":false}}
        """));

    assertThat(text).isEqualTo("""
        cluster        orders
        decided by     c2 (LEADER, term 4) at 2023-11-14T22:13:20.123Z
        reason         AWAITING_CATCH_UP
        action         none
        detail         waiting for db2 to execute the old primary's final position 0-1-42
        workflow       switchover db1->db2 at fenced
        lease silence  812 ms since the newest lease round a majority of members can have granted
        step age       230 ms at this step

        NODE  EVIDENCE
        db1   report 90 ms old, mysqld up, read_only true, executed 0-1-42
        db2   report 40 ms old, mysqld up, read_only true, source 127.0.0.1:3307 io true lag 0, executed 0-1-41
        """);
  }

  @Test
  void explainWithoutEvidenceSaysWhereItAsked() throws Exception {
    String text = Views.explain(json("""
        {"cluster":"orders","member":"c1","role":"LEADER","term":1,"action":"none","reason":"NOT_BOOTSTRAPPED",
         "detail":"no epoch yet","atMillis":0,"evidence":{},"workflow":null}
        """));

    assertThat(text).containsPattern("\nreason +NOT_BOOTSTRAPPED\n").containsPattern("\nworkflow +-\n")
        .endsWith("\nno per-node evidence at c1\n");
  }

  @Test
  void pathSegmentsArePercentEncoded() {
    assertThat(ControllerClient.segment("orders-eu_1.x~")).isEqualTo("orders-eu_1.x~");
    assertThat(ControllerClient.segment("a b/c")).isEqualTo("a%20b%2Fc");
  }
}
