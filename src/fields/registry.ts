// The field registry: every field kawa knows, in one table. A field's id is its position in the table, so
// fields are only ever appended. scripts/gen-fields.mjs reads the table between the two FIELD-TABLE marker
// lines as JSON (it runs before tsc), so that part must stay plain JSON: double quotes, no comments, no
// trailing commas. Semantics of each recipe: types.ts and spec fields.md.
import type { ArgKind, FieldDef, Recipe } from './types.js';

interface Row {
  name: string;
  list: boolean;
  arg: ArgKind;
  plugin: FieldDef['plugin'];
  description: string;
  extract: Recipe;
}

// FIELD-TABLE-BEGIN
const ROWS: Row[] = [
  {"name":"ka.auditid","list":false,"arg":"none","plugin":"k8saudit","description":"The unique id of the audit event","extract":{"op":"scalar","path":["auditID"]}},
  {"name":"ka.stage","list":false,"arg":"none","plugin":"k8saudit","description":"Stage of the request (e.g. RequestReceived, ResponseComplete)","extract":{"op":"scalar","path":["stage"]}},
  {"name":"ka.auth.decision","list":false,"arg":"none","plugin":"k8saudit","description":"Authorization decision (allow/forbid)","extract":{"op":"scalar","path":["annotations","authorization.k8s.io/decision"]}},
  {"name":"ka.auth.reason","list":false,"arg":"none","plugin":"k8saudit","description":"Authorization reason","extract":{"op":"scalar","path":["annotations","authorization.k8s.io/reason"]}},
  {"name":"ka.auth.openshift.decision","list":false,"arg":"none","plugin":"k8saudit","description":"OpenShift authentication decision","extract":{"op":"scalar","path":["annotations","authentication.openshift.io/decision"]}},
  {"name":"ka.auth.openshift.username","list":false,"arg":"none","plugin":"k8saudit","description":"OpenShift authenticated user name","extract":{"op":"scalar","path":["annotations","authentication.openshift.io/username"]}},
  {"name":"ka.validations.admission.policy.failure","list":false,"arg":"none","plugin":"k8saudit","description":"Admission validation policy failures (JSON text as annotated)","extract":{"op":"scalar","path":["annotations","validation.policy.admission.k8s.io/validation_failure"]}},
  {"name":"ka.security.pod.violations","list":false,"arg":"none","plugin":"k8saudit","description":"Pod security standard violations","extract":{"op":"scalar","path":["annotations","pod-security.kubernetes.io/audit-violations"]}},
  {"name":"ka.cluster.name","list":false,"arg":"none","plugin":"k8saudit","description":"Name of the cluster, from the cluster_name annotation","extract":{"op":"scalar","path":["annotations","cluster_name"]}},
  {"name":"ka.user.name","list":false,"arg":"none","plugin":"k8saudit","description":"User name performing the request","extract":{"op":"scalar","path":["user","username"]}},
  {"name":"ka.user.groups","list":true,"arg":"none","plugin":"k8saudit","description":"Groups of the user performing the request","extract":{"op":"list","path":["user","groups"]}},
  {"name":"ka.impuser.name","list":false,"arg":"none","plugin":"k8saudit","description":"Impersonated user name","extract":{"op":"scalar","path":["impersonatedUser","username"]}},
  {"name":"ka.verb","list":false,"arg":"none","plugin":"k8saudit","description":"Action being performed","extract":{"op":"scalar","path":["verb"]}},
  {"name":"ka.uri","list":false,"arg":"none","plugin":"k8saudit","description":"Request URI as sent from client to server","extract":{"op":"scalar","path":["requestURI"]}},
  {"name":"ka.uri.param","list":false,"arg":"key","plugin":"k8saudit","description":"Value of the given query parameter in the request URI (first one if repeated)","extract":{"op":"uri_param","path":["requestURI"]}},
  {"name":"ka.useragent","list":false,"arg":"none","plugin":"k8saudit","description":"User agent of the client","extract":{"op":"scalar","path":["userAgent"]}},
  {"name":"ka.sourceips","list":true,"arg":"index","plugin":"k8saudit","description":"Source IP addresses of the request (the event's sourceIPs), or the one at the index","extract":{"op":"list_index","path":["sourceIPs"]}},
  {"name":"ka.target.name","list":false,"arg":"none","plugin":"k8saudit","description":"Target object name","extract":{"op":"scalar","path":["objectRef","name"]}},
  {"name":"ka.target.namespace","list":false,"arg":"none","plugin":"k8saudit","description":"Target object namespace","extract":{"op":"scalar","path":["objectRef","namespace"]}},
  {"name":"ka.target.resource","list":false,"arg":"none","plugin":"k8saudit","description":"Target object resource","extract":{"op":"scalar","path":["objectRef","resource"]}},
  {"name":"ka.target.subresource","list":false,"arg":"none","plugin":"k8saudit","description":"Target object subresource","extract":{"op":"scalar","path":["objectRef","subresource"]}},
  {"name":"ka.target.pod.name","list":false,"arg":"none","plugin":"k8saudit","description":"Name of the pod a pods request without subresource targets, from the response object","extract":{"op":"target_pod","path":["responseObject","metadata","name"]}},
  {"name":"ka.resp.name","list":false,"arg":"none","plugin":"k8saudit","description":"Response object name","extract":{"op":"scalar","path":["responseObject","metadata","name"]}},
  {"name":"ka.response.code","list":false,"arg":"none","plugin":"k8saudit","description":"Response code","extract":{"op":"scalar","path":["responseStatus","code"]}},
  {"name":"ka.response.reason","list":false,"arg":"none","plugin":"k8saudit","description":"Response reason (usually present only for failures)","extract":{"op":"scalar","path":["responseStatus","reason"]}},
  {"name":"ka.req.binding.subjects","list":true,"arg":"none","plugin":"k8saudit","description":"Subjects of a role binding request, each as JSON","extract":{"op":"list","path":["requestObject","subjects"]}},
  {"name":"ka.req.binding.subjects.user_names","list":true,"arg":"none","plugin":"k8saudit","description":"Names of the User subjects of a role binding request","extract":{"op":"subjects","path":["requestObject","subjects"],"value":"User"}},
  {"name":"ka.req.binding.subjects.serviceaccount_names","list":true,"arg":"none","plugin":"k8saudit","description":"Names of the ServiceAccount subjects of a role binding request","extract":{"op":"subjects","path":["requestObject","subjects"],"value":"ServiceAccount"}},
  {"name":"ka.req.binding.subjects.serviceaccount_ns_names","list":true,"arg":"none","plugin":"k8saudit","description":"namespace:name of the ServiceAccount subjects of a role binding request","extract":{"op":"subjects_ns","path":["requestObject","subjects"],"value":"ServiceAccount"}},
  {"name":"ka.req.binding.subjects.group_names","list":true,"arg":"none","plugin":"k8saudit","description":"Names of the Group subjects of a role binding request","extract":{"op":"subjects","path":["requestObject","subjects"],"value":"Group"}},
  {"name":"ka.req.binding.role","list":false,"arg":"none","plugin":"k8saudit","description":"Role of a role binding request","extract":{"op":"scalar","path":["requestObject","roleRef","name"]}},
  {"name":"ka.req.binding.subject.has_name","list":false,"arg":"key","plugin":"k8saudit","description":"Deprecated, always \"true\"","extract":{"op":"constant","value":"true"}},
  {"name":"ka.req.configmap.name","list":false,"arg":"none","plugin":"k8saudit","description":"Configmap name, from the target object","extract":{"op":"scalar","path":["objectRef","name"]}},
  {"name":"ka.req.configmap.obj","list":false,"arg":"none","plugin":"k8saudit","description":"Configmap data object, as JSON","extract":{"op":"scalar","path":["requestObject","data"]}},
  {"name":"ka.req.role.rules","list":true,"arg":"none","plugin":"k8saudit","description":"Rules of a role request, each as JSON","extract":{"op":"list","path":["requestObject","rules"]}},
  {"name":"ka.req.role.rules.apiGroups","list":true,"arg":"index","plugin":"k8saudit","description":"apiGroups of the rules of a role request (all rules, or the one at the index)","extract":{"op":"rule_attr","path":["requestObject","rules","apiGroups"]}},
  {"name":"ka.req.role.rules.nonResourceURLs","list":true,"arg":"index","plugin":"k8saudit","description":"nonResourceURLs of the rules of a role request (all rules, or the one at the index)","extract":{"op":"rule_attr","path":["requestObject","rules","nonResourceURLs"]}},
  {"name":"ka.req.role.rules.verbs","list":true,"arg":"index","plugin":"k8saudit","description":"verbs of the rules of a role request (all rules, or the one at the index)","extract":{"op":"rule_attr","path":["requestObject","rules","verbs"]}},
  {"name":"ka.req.role.rules.resources","list":true,"arg":"index","plugin":"k8saudit","description":"resources of the rules of a role request (all rules, or the one at the index)","extract":{"op":"rule_attr","path":["requestObject","rules","resources"]}},
  {"name":"ka.req.service.type","list":false,"arg":"none","plugin":"k8saudit","description":"Service type of a service request","extract":{"op":"scalar","path":["requestObject","spec","type"]}},
  {"name":"ka.req.service.ports","list":true,"arg":"index","plugin":"k8saudit","description":"Ports of a service request, as one JSON array","extract":{"op":"walk_skip","path":["requestObject","spec","ports"]}},
  {"name":"ka.req.pod.host_ipc","list":false,"arg":"none","plugin":"k8saudit","description":"hostIPC flag of a pod request","extract":{"op":"scalar","path":["requestObject","spec","hostIPC"]}},
  {"name":"ka.req.pod.host_network","list":false,"arg":"none","plugin":"k8saudit","description":"hostNetwork flag of a pod request","extract":{"op":"scalar","path":["requestObject","spec","hostNetwork"]}},
  {"name":"ka.req.container.host_network","list":false,"arg":"none","plugin":"k8saudit","description":"hostNetwork flag of a pod request (alias of ka.req.pod.host_network)","extract":{"op":"scalar","path":["requestObject","spec","hostNetwork"]}},
  {"name":"ka.req.pod.host_pid","list":false,"arg":"none","plugin":"k8saudit","description":"hostPID flag of a pod request","extract":{"op":"scalar","path":["requestObject","spec","hostPID"]}},
  {"name":"ka.req.pod.run_as_user","list":false,"arg":"none","plugin":"k8saudit","description":"Pod-level runAsUser of a pod request","extract":{"op":"scalar","path":["requestObject","spec","securityContext","runAsUser"]}},
  {"name":"ka.req.pod.run_as_group","list":false,"arg":"none","plugin":"k8saudit","description":"Pod-level runAsGroup of a pod request","extract":{"op":"scalar","path":["requestObject","spec","securityContext","runAsGroup"]}},
  {"name":"ka.req.pod.fs_group","list":false,"arg":"none","plugin":"k8saudit","description":"Pod-level fsGroup of a pod request","extract":{"op":"scalar","path":["requestObject","spec","securityContext","fsGroup"]}},
  {"name":"ka.req.pod.supplemental_groups","list":true,"arg":"none","plugin":"k8saudit","description":"Pod-level supplementalGroups of a pod request","extract":{"op":"list","path":["requestObject","spec","securityContext","supplementalGroups"]}},
  {"name":"ka.req.pod.volumes.hostpath","list":true,"arg":"index","plugin":"k8saudit","description":"hostPath paths of the volumes of a pod request (all, or the volume at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","volumes","hostPath","path"]}},
  {"name":"ka.req.pod.volumes.flexvolume_driver","list":true,"arg":"index","plugin":"k8saudit","description":"flexVolume drivers of the volumes of a pod request","extract":{"op":"walk_skip","path":["requestObject","spec","volumes","flexVolume","driver"]}},
  {"name":"ka.req.pod.volumes.volume_type","list":true,"arg":"index","plugin":"k8saudit","description":"Volume types (keys other than name) of the volumes of a pod request","extract":{"op":"volume_type","path":["requestObject","spec","volumes",""]}},
  {"name":"ka.req.volume.hostpath","list":false,"arg":"key","plugin":"k8saudit","description":"\"true\" if a hostPath volume has the given path (a trailing * matches a prefix), else \"false\"","extract":{"op":"hostpath_match","path":["requestObject","spec","volumes","hostPath","path"]}},
  {"name":"ka.req.container.image","list":false,"arg":"none","plugin":"k8saudit","description":"Image of the first container of a pod request","extract":{"op":"first","path":["requestObject","spec","containers","image"]}},
  {"name":"ka.req.container.image.repository","list":false,"arg":"none","plugin":"k8saudit","description":"Repository of the image of the first container of a pod request","extract":{"op":"first_repository","path":["requestObject","spec","containers","image"]}},
  {"name":"ka.req.container.privileged","list":false,"arg":"none","plugin":"k8saudit","description":"\"true\" if any container of a pod request is privileged, else \"false\"","extract":{"op":"any_true","path":["requestObject","spec","containers","securityContext","privileged"]}},
  {"name":"ka.req.pod.containers.name","list":true,"arg":"index","plugin":"k8saudit","description":"Names of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_strict","path":["requestObject","spec","containers","name"]}},
  {"name":"ka.req.pod.containers.image","list":true,"arg":"index","plugin":"k8saudit","description":"Images of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_strict","path":["requestObject","spec","containers","image"]}},
  {"name":"ka.req.pod.containers.image.repository","list":true,"arg":"index","plugin":"k8saudit","description":"Image repositories of the containers of a pod request (all, or the one at the index)","extract":{"op":"repository","path":["requestObject","spec","containers","image"]}},
  {"name":"ka.req.pod.containers.command","list":true,"arg":"index","plugin":"k8saudit","description":"Commands (joined with spaces) of the containers of a pod request (all, or the one at the index)","extract":{"op":"command","path":["requestObject","spec","containers","command"]}},
  {"name":"ka.req.pod.containers.args","list":true,"arg":"index","plugin":"k8saudit","description":"Arguments (joined with spaces) of the containers of a pod request (all, or the one at the index)","extract":{"op":"command","path":["requestObject","spec","containers","args"]}},
  {"name":"ka.req.pod.containers.privileged","list":true,"arg":"index","plugin":"k8saudit","description":"privileged flags of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","containers","securityContext","privileged"]}},
  {"name":"ka.req.pod.containers.allow_privilege_escalation","list":true,"arg":"index","plugin":"k8saudit","description":"allowPrivilegeEscalation flags of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","containers","securityContext","allowPrivilegeEscalation"]}},
  {"name":"ka.req.pod.containers.read_only_fs","list":true,"arg":"index","plugin":"k8saudit","description":"readOnlyRootFilesystem flags of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","containers","securityContext","readOnlyRootFilesystem"]}},
  {"name":"ka.req.pod.containers.run_as_user","list":true,"arg":"index","plugin":"k8saudit","description":"runAsUser values of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","containers","securityContext","runAsUser"]}},
  {"name":"ka.req.pod.containers.run_as_group","list":true,"arg":"index","plugin":"k8saudit","description":"runAsGroup values of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","containers","securityContext","runAsGroup"]}},
  {"name":"ka.req.pod.containers.eff_run_as_user","list":true,"arg":"index","plugin":"k8saudit","description":"Effective user ids (container securityContext, else pod securityContext, else 0) of the containers of a pod request (all, or the one at the index)","extract":{"op":"eff","path":["requestObject","spec","containers","securityContext","runAsUser"],"alt":["requestObject","spec","securityContext","runAsUser"]}},
  {"name":"ka.req.pod.containers.eff_run_as_group","list":true,"arg":"index","plugin":"k8saudit","description":"Effective group ids (container securityContext, else pod securityContext, else 0) of the containers of a pod request (all, or the one at the index)","extract":{"op":"eff","path":["requestObject","spec","containers","securityContext","runAsGroup"],"alt":["requestObject","spec","securityContext","runAsGroup"]}},
  {"name":"ka.req.pod.containers.proc_mount","list":true,"arg":"index","plugin":"k8saudit","description":"procMount values of the containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","containers","securityContext","procMount"]}},
  {"name":"ka.req.pod.containers.add_capabilities","list":true,"arg":"index","plugin":"k8saudit","description":"Added capabilities, one entry per capability, of the containers of a pod request (all, or the one at the index)","extract":{"op":"capabilities","path":["requestObject","spec","containers","securityContext","capabilities","add"]}},
  {"name":"ka.req.pod.containers.host_port","list":true,"arg":"index","plugin":"k8saudit","description":"Host ports (else container ports) of the containers of a pod request (all, or the one at the index)","extract":{"op":"host_port","path":["requestObject","spec","containers","ports"]}},
  {"name":"ka.req.pod.initContainers.name","list":true,"arg":"index","plugin":"k8saudit","description":"Names of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_strict","path":["requestObject","spec","initContainers","name"]}},
  {"name":"ka.req.pod.initContainers.image","list":true,"arg":"index","plugin":"k8saudit","description":"Images of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_strict","path":["requestObject","spec","initContainers","image"]}},
  {"name":"ka.req.pod.initContainers.image.repository","list":true,"arg":"index","plugin":"k8saudit","description":"Image repositories of the init containers of a pod request (all, or the one at the index)","extract":{"op":"repository","path":["requestObject","spec","initContainers","image"]}},
  {"name":"ka.req.pod.initContainers.command","list":true,"arg":"index","plugin":"k8saudit","description":"Commands (joined with spaces) of the init containers of a pod request (all, or the one at the index)","extract":{"op":"command","path":["requestObject","spec","initContainers","command"]}},
  {"name":"ka.req.pod.initContainers.args","list":true,"arg":"index","plugin":"k8saudit","description":"Arguments (joined with spaces) of the init containers of a pod request (all, or the one at the index)","extract":{"op":"command","path":["requestObject","spec","initContainers","args"]}},
  {"name":"ka.req.pod.initContainers.privileged","list":true,"arg":"index","plugin":"k8saudit","description":"privileged flags of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","initContainers","securityContext","privileged"]}},
  {"name":"ka.req.pod.initContainers.allow_privilege_escalation","list":true,"arg":"index","plugin":"k8saudit","description":"allowPrivilegeEscalation flags of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","initContainers","securityContext","allowPrivilegeEscalation"]}},
  {"name":"ka.req.pod.initContainers.read_only_fs","list":true,"arg":"index","plugin":"k8saudit","description":"readOnlyRootFilesystem flags of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","initContainers","securityContext","readOnlyRootFilesystem"]}},
  {"name":"ka.req.pod.initContainers.run_as_user","list":true,"arg":"index","plugin":"k8saudit","description":"runAsUser values of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","initContainers","securityContext","runAsUser"]}},
  {"name":"ka.req.pod.initContainers.run_as_group","list":true,"arg":"index","plugin":"k8saudit","description":"runAsGroup values of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","initContainers","securityContext","runAsGroup"]}},
  {"name":"ka.req.pod.initContainers.eff_run_as_user","list":true,"arg":"index","plugin":"k8saudit","description":"Effective user ids (container securityContext, else pod securityContext, else 0) of the init containers of a pod request (all, or the one at the index)","extract":{"op":"eff","path":["requestObject","spec","initContainers","securityContext","runAsUser"],"alt":["requestObject","spec","securityContext","runAsUser"]}},
  {"name":"ka.req.pod.initContainers.eff_run_as_group","list":true,"arg":"index","plugin":"k8saudit","description":"Effective group ids (container securityContext, else pod securityContext, else 0) of the init containers of a pod request (all, or the one at the index)","extract":{"op":"eff","path":["requestObject","spec","initContainers","securityContext","runAsGroup"],"alt":["requestObject","spec","securityContext","runAsGroup"]}},
  {"name":"ka.req.pod.initContainers.proc_mount","list":true,"arg":"index","plugin":"k8saudit","description":"procMount values of the init containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","initContainers","securityContext","procMount"]}},
  {"name":"ka.req.pod.initContainers.add_capabilities","list":true,"arg":"index","plugin":"k8saudit","description":"Added capabilities, one entry per capability, of the init containers of a pod request (all, or the one at the index)","extract":{"op":"capabilities","path":["requestObject","spec","initContainers","securityContext","capabilities","add"]}},
  {"name":"ka.req.pod.initContainers.host_port","list":true,"arg":"index","plugin":"k8saudit","description":"Host ports (else container ports) of the init containers of a pod request (all, or the one at the index)","extract":{"op":"host_port","path":["requestObject","spec","initContainers","ports"]}},
  {"name":"ka.req.pod.ephemeralContainers.name","list":true,"arg":"index","plugin":"k8saudit","description":"Names of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_strict","path":["requestObject","spec","ephemeralContainers","name"]}},
  {"name":"ka.req.pod.ephemeralContainers.image","list":true,"arg":"index","plugin":"k8saudit","description":"Images of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_strict","path":["requestObject","spec","ephemeralContainers","image"]}},
  {"name":"ka.req.pod.ephemeralContainers.image.repository","list":true,"arg":"index","plugin":"k8saudit","description":"Image repositories of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"repository","path":["requestObject","spec","ephemeralContainers","image"]}},
  {"name":"ka.req.pod.ephemeralContainers.command","list":true,"arg":"index","plugin":"k8saudit","description":"Commands (joined with spaces) of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"command","path":["requestObject","spec","ephemeralContainers","command"]}},
  {"name":"ka.req.pod.ephemeralContainers.args","list":true,"arg":"index","plugin":"k8saudit","description":"Arguments (joined with spaces) of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"command","path":["requestObject","spec","ephemeralContainers","args"]}},
  {"name":"ka.req.pod.ephemeralContainers.privileged","list":true,"arg":"index","plugin":"k8saudit","description":"privileged flags of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","ephemeralContainers","securityContext","privileged"]}},
  {"name":"ka.req.pod.ephemeralContainers.allow_privilege_escalation","list":true,"arg":"index","plugin":"k8saudit","description":"allowPrivilegeEscalation flags of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","ephemeralContainers","securityContext","allowPrivilegeEscalation"]}},
  {"name":"ka.req.pod.ephemeralContainers.read_only_fs","list":true,"arg":"index","plugin":"k8saudit","description":"readOnlyRootFilesystem flags of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","ephemeralContainers","securityContext","readOnlyRootFilesystem"]}},
  {"name":"ka.req.pod.ephemeralContainers.run_as_user","list":true,"arg":"index","plugin":"k8saudit","description":"runAsUser values of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","ephemeralContainers","securityContext","runAsUser"]}},
  {"name":"ka.req.pod.ephemeralContainers.run_as_group","list":true,"arg":"index","plugin":"k8saudit","description":"runAsGroup values of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","ephemeralContainers","securityContext","runAsGroup"]}},
  {"name":"ka.req.pod.ephemeralContainers.eff_run_as_user","list":true,"arg":"index","plugin":"k8saudit","description":"Effective user ids (container securityContext, else pod securityContext, else 0) of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"eff","path":["requestObject","spec","ephemeralContainers","securityContext","runAsUser"],"alt":["requestObject","spec","securityContext","runAsUser"]}},
  {"name":"ka.req.pod.ephemeralContainers.eff_run_as_group","list":true,"arg":"index","plugin":"k8saudit","description":"Effective group ids (container securityContext, else pod securityContext, else 0) of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"eff","path":["requestObject","spec","ephemeralContainers","securityContext","runAsGroup"],"alt":["requestObject","spec","securityContext","runAsGroup"]}},
  {"name":"ka.req.pod.ephemeralContainers.proc_mount","list":true,"arg":"index","plugin":"k8saudit","description":"procMount values of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"walk_skip","path":["requestObject","spec","ephemeralContainers","securityContext","procMount"]}},
  {"name":"ka.req.pod.ephemeralContainers.add_capabilities","list":true,"arg":"index","plugin":"k8saudit","description":"Added capabilities, one entry per capability, of the ephemeral containers of a pod request (all, or the one at the index)","extract":{"op":"capabilities","path":["requestObject","spec","ephemeralContainers","securityContext","capabilities","add"]}},
  {"name":"json.value","list":false,"arg":"key","plugin":"json","description":"Value at the given JSON pointer (a string's content, anything else as compact JSON)","extract":{"op":"json_value"}},
  {"name":"json.obj","list":false,"arg":"none","plugin":"json","description":"The whole event as indented JSON","extract":{"op":"json_obj"}},
  {"name":"json.rawtime","list":false,"arg":"none","plugin":"json","description":"Event time in nanoseconds since the epoch","extract":{"op":"json_rawtime"}},
  {"name":"jevt.value","list":false,"arg":"key","plugin":"json","description":"Alias of json.value","extract":{"op":"json_value"}},
  {"name":"jevt.obj","list":false,"arg":"none","plugin":"json","description":"Alias of json.obj","extract":{"op":"json_obj"}},
  {"name":"jevt.rawtime","list":false,"arg":"none","plugin":"json","description":"Alias of json.rawtime","extract":{"op":"json_rawtime"}},
  {"name":"kawa.truncated","list":false,"arg":"none","plugin":"kawa","description":"\"true\" if the event was cut by CloudWatch and salvaged from its complete part, else \"false\"","extract":{"op":"truncated"}},
  {"name":"kawa.cluster","list":false,"arg":"none","plugin":"kawa","description":"The EKS cluster the event came from, when the source knows it (CloudWatch: the configured or discovered cluster; Kinesis: from the record's log group)","extract":{"op":"context","value":"cluster"}},
  {"name":"kawa.account","list":false,"arg":"none","plugin":"kawa","description":"The AWS account id of the cluster the event came from, when the source knows it","extract":{"op":"context","value":"account"}},
  {"name":"kawa.region","list":false,"arg":"none","plugin":"kawa","description":"The AWS region of the cluster the event came from, when the source knows it","extract":{"op":"context","value":"region"}},
  {"name":"kawa.duplicate_keys","list":false,"arg":"none","plugin":"kawa","description":"\"true\" if an object in the request body (requestObject) has the same key twice: the rules read the first, the API server applies the last","extract":{"op":"duplicate_keys","path":["requestObject"]}},
  {"name":"kawa.nul_value","list":false,"arg":"none","plugin":"kawa","description":"\"true\" if a string of the event holds the escape \\u0000: Falco and kawa cut values at it, hiding their tail from conditions","extract":{"op":"nul_value"}},
  {"name":"static.<name>","list":false,"arg":"none","plugin":"kawa","description":"The value of <name> in the configuration's static_fields (Falco 0.42+), the same for every event","extract":{"op":"static"}},
  {"name":"kawa.sourceips.listed","list":true,"arg":"key","plugin":"kawa","description":"The event's source IPs (sourceIPs) that an address or CIDR range of the IP list <list> holds: kawa.sourceips.listed[<list>]","extract":{"op":"ip_listed","path":["sourceIPs"]}},
  {"name":"kawa.ips.listed","list":true,"arg":"key","plugin":"kawa","description":"The IP addresses at a JSON pointer (a string or an array of them) that the IP list <list> holds: kawa.ips.listed[<list>:<json pointer>]","extract":{"op":"ip_listed"}}
];
// FIELD-TABLE-END

/** Every field kawa knows, ka.*, json.*, jevt.* and kawa.*, in table order (the id is the position). */
export const FIELDS: readonly FieldDef[] = ROWS.map((r, id) => Object.freeze({ ...r, id, type: 'string' as const }));

const STATIC_ROW = FIELDS.find((f) => f.extract.op === 'static')!;
const byName = new Map(FIELDS.filter((f) => f !== STATIC_ROW).map((f) => [f.name, f]));

/** `static.<name>`: a field of the configuration's static_fields (which names exist is the rules load's business). */
export const STATIC_FIELD = /^static\.[A-Za-z0-9_]+$/;

/** The field with exactly this name; `static.<name>` is one field per name, sharing the static row's id. */
export function findField(name: string): FieldDef | undefined {
  const def = byName.get(name);
  if (def || !STATIC_FIELD.test(name)) return def;
  return Object.freeze({ ...STATIC_ROW, name });
}

// Longest names first, so that `ka.req.container.image.repository` wins over `ka.req.container.image`.
const byLength = [...FIELDS].sort((a, b) => b.name.length - a.name.length);

const NAME_CHAR = /[A-Za-z0-9_.]/;

/**
 * The longest field whose name starts `text` at `start` and is not followed by another name character
 * (used to find field references inside output strings such as `user=%ka.user.name`).
 */
export function longestFieldPrefix(text: string, start: number): FieldDef | undefined {
  const name = /^static\.[A-Za-z0-9_]+/.exec(text.slice(start, start + 300))?.[0];
  if (name && !NAME_CHAR.test(text[start + name.length] ?? '')) return findField(name);
  for (const f of byLength) {
    if (f === STATIC_ROW) continue;
    if (!text.startsWith(f.name, start)) continue;
    const next = text[start + f.name.length];
    if (next === undefined || !NAME_CHAR.test(next)) return f;
  }
  return undefined;
}
