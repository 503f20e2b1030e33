"""The known failure modes of KubeVela (its definitions and the Applications they render), tried after the
platform's other rules of phases 1-3: see ``hint_catalogue``'s docstring for the conventions."""

from __future__ import annotations

from oamconf.steps.hint_known import Known

KUBEVELA: tuple[Known, ...] = (
    Known(
        "component-type-missing",
        r"load template from component definition \[(?P<type>[^\]]+)\] : "
        r"\w+\.core\.oam\.dev \\?\"[^\"\\]+\\?\" not found",
        "no ComponentDefinition {type} exists where the Application can see it (its namespace or vela-system)",
        "apply the platform's definition (fixtures/platform/kubevela/componentdefinition-{type}.yaml), or correct the "
        "component's type",
        source="kubevela pkg/appfile/template.go:83,104 (load template from component definition [%s]), the "
        "Application's Parsed=False condition and FailedParse event; seen on the local tier (test_real_kubevela)",
    ),
    Known(
        "trait-type-missing",
        r"component\((?P<component>[^)]+)\) parse trait\((?P<trait>[^)]+)\): trait definition of \S+ not found",
        "no TraitDefinition {trait} exists where the Application can see it (its namespace or vela-system): "
        "component {component} names it",
        "install the trait's definition (`vela def list --type trait` shows the installed ones; `vela addon enable` "
        "for an addon's), or correct the trait's type in the Application",
        source="kubevela pkg/appfile/parser.go:592,681 (component(%s) parse trait(%s); trait definition of %s not "
        "found), the Application's Parsed=False condition; seen on the local tier (test_real_kubevela)",
    ),
    Known(
        "component-template-does-not-compile",
        # the error ends before CUE's "(and N more errors)" or the double quote closing a message (a CUE error
        # has single quotes, so a condition line quotes it in double ones)
        r"failed to compile workload (?P<component>\S+) after merge parameter and context: "
        r"(?P<error>[^(\n]+?)(?=\\?\"? *(?:\(|\n|$))",
        "the ComponentDefinition's CUE template does not compile for component {component}: {error}",
        "fix the template (`vela def vet` on the definition file); the definition's own Synced condition shows the "
        "same error",
        source="kubevela pkg/cue/definition/template.go:113 (failed to compile workload %s after merge parameter and "
        "context); the workflow step's message; seen on the local tier (test_real_kubevela)",
    ),
    Known(
        "component-properties-refused",
        r"invalid cue template of workload (?P<component>\S+) after merge parameter and context: "
        r"(?P<field>[\w.\[\]\"-]+): (?P<error>[^(:\n]+?)(?=:? *\(|\n|$)",
        "component {component}'s properties, merged into its ComponentDefinition's template, give no valid value "
        "for {field} ({error}): most often a property of the wrong type or outside the values the definition allows",
        "compare the component's properties with the definition's parameters (`vela show <type>` lists them with "
        "their types); if they fit, the template is at fault (`vela def vet` on the definition file)",
        source="kubevela pkg/cue/definition/template.go:117 (invalid cue template of workload %s after merge "
        "parameter and context); the workflow step's message; seen on the local tier (test_real_kubevela)",
    ),
    Known(
        "component-definition-schema-refused",
        r"cannot store capability (?P<definition>\S+) in ConfigMap: failed to generate OpenAPI v3 JSON schema for "
        r"capability \S+: (?P<error>[^\n]+)",  # to the message's end: the hints read a message on a line of its own
        "vela-core cannot read the parameters of ComponentDefinition {definition} from its CUE template: {error}",
        "fix the template in the definition's file and apply it again (`vela def vet <file>` shows a syntax error); "
        "a parameter default with a bound (`*3 | int & >=0`) compiles but is refused here: bound it in the output",
        source="kubevela pkg/controller/core.oam.dev/v1beta1/core/components/componentdefinition/"
        "componentdefinition_controller.go:88-95 (Could not store capability in "
        "ConfigMap); the definition's Synced=False condition; seen on the local tier (test_local_faults)",
    ),
    Known(
        "definition-revision-stuck",
        r"cannot generate DefinitionRevision of (?P<definition>\S+): get the definitionRevision (?P<revision>\S+?):"
        r" DefinitionRevision\.core\.oam\.dev \\?\"[^\"\\]+\\?\" not found",
        "vela-core stopped reconciling ComponentDefinition {definition}: its cached view did not show "
        "DefinitionRevision {revision}, which it had just created, and vela-core v1.10.9 only records that in the "
        "definition's condition, without requeueing it; the definition itself is not at fault",
        "make vela-core reconcile it once more: change its metadata, e.g. `kubectl annotate componentdefinition "
        "{definition} -n vela-system oamconf.dev/reconcile=1 --overwrite` (or restart vela-core); the local tier "
        "does this once after its install and says so in the header",
        source="kubevela pkg/controller/core.oam.dev/v1beta1/core/revison.go:275,418-421 (get the "
        "definitionRevision %s; ReconcileDefinitionRevision patches the condition with PatchCondition, which "
        "does not requeue); seen in a fresh-clone CI run of the local tier's self-tests",
    ),
)
