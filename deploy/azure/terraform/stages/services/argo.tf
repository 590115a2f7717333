# Argo Workflows (weft argo-workflows create|trigger) and Argo Events (@trigger,
# @triggerOnFinish) from the project's own Helm charts at exact versions: a plan never
# picks up a new release by itself. Unlike the reference stack's `latest` quick-start
# manifest, nothing here is a demo: no MinIO, no in-cluster PostgreSQL, no httpbin.
# Neither has a public endpoint: the Argo UI is reached with
# `kubectl -n argo port-forward svc/argo-workflows-server 2746:2746`.

locals {
  argo_repository = "https://argoproj.github.io/argo-helm"
}

resource "helm_release" "argo_workflows" {
  name             = "argo-workflows"
  repository       = local.argo_repository
  chart            = "argo-workflows"
  version          = var.argo_workflows_chart_version
  namespace        = "argo"
  create_namespace = true
  atomic           = true
  timeout          = 600

  values = [yamlencode({
    controller = {
      # The controller runs workflows in Weft's namespace only.
      workflowNamespaces = [var.kubernetes_namespace]
    }
    server = {
      serviceType = "ClusterIP"
      # The Argo UI and API take the caller's own Kubernetes (Entra ID) token.
      authModes = ["client"]
    }
    workflow = {
      serviceAccount = { create = false }
      rbac           = { create = false }
    }
  })]

  depends_on = [kustomization_resource.p0]
}

resource "helm_release" "argo_events" {
  name             = "argo-events"
  repository       = local.argo_repository
  chart            = "argo-events"
  version          = var.argo_events_chart_version
  namespace        = "argo-events"
  create_namespace = true
  atomic           = true
  timeout          = 600

  values = [yamlencode({
    crds = { install = true, keep = true }
  })]
}
