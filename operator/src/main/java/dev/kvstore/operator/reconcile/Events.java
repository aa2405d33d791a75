package dev.kvstore.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Kubernetes Events about the operator's resources: a courtesy (the status says the same), so a failure to record one is not one. */
final class Events {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Events.class);

    private Events() {
    }

    /** @param namePart what the Event's generated name adds after the object's name and a dash */
    static void record(KubernetesClient client, HasMetadata about, String namePart, String type, String reason,
                       String message, String time) {
        try {
            client.v1().events().inNamespace(about.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(about.getMetadata().getName() + "-" + namePart).endMetadata()
                    .withNewInvolvedObject().withApiVersion(about.getApiVersion()).withKind(about.getKind())
                    .withName(about.getMetadata().getName()).withNamespace(about.getMetadata().getNamespace())
                    .withUid(about.getMetadata().getUid()).endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(time).withLastTimestamp(time).withCount(1)
                    .withNewSource().withComponent("kv-operator").endSource()
                    .build()).create();
        } catch (RuntimeException e) {
            LOG.debugf(e, "event %s not recorded", reason);
        }
    }
}
