"""KubeVela's texts for ``test_hint_variants``, built from the format strings its hint rules quote (kubevela
v1.10.9), with other names and values."""

from __future__ import annotations

from hintvariants import WORKFLOW, Variant, not_found

VELA = "failed to parseComponents: "

KUBEVELA_VARIANTS: tuple[Variant, ...] = (
    *(
        Variant(
            "component-type-missing",
            name,
            # kubevela pkg/appfile/template.go:83,104: 'load template from component definition [%s] '
            f"fetch component/policy type of c: load template from component definition [{name}] : "
            + not_found(f"{kind}.core.oam.dev", name),
            {"type": name},
            VELA,
        )
        for name, kind in (("webservice.v2", "WorkloadDefinition"), ("pg-DB-1", "ComponentDefinition"))
    ),
    *(
        Variant(
            "trait-type-missing",
            trait,
            # kubevela pkg/appfile/parser.go:592 'component(%s) parse trait(%s)', :681 'trait definition of %s not
            # found'
            f"component({component}) parse trait({trait}): trait definition of {trait} not found",
            {"component": component, "trait": trait},
            VELA,
        )
        for component, trait in (("Orders-DB.v2", "scaler-2"), ("c", "gateway.networking"))
    ),
    Variant(
        "component-template-does-not-compile",
        "orders-db.v2",
        # kubevela pkg/cue/definition/template.go:113
        "failed to compile workload orders-db.v2 after merge parameter and context: expected operand, found 'EOF'",
        {"component": "orders-db.v2", "error": "expected operand, found 'EOF'"},
        WORKFLOW,
    ),
    Variant(
        "component-properties-refused",
        "Orders_DB-2",
        # kubevela pkg/cue/definition/template.go:117
        "invalid cue template of workload Orders_DB-2 after merge parameter and context: "
        "output.spec.replicas: conflicting values 3 and string (mismatched types int and string)",
        {
            "component": "Orders_DB-2",
            "field": "output.spec.replicas",
            "error": "conflicting values 3 and string",
        },
        WORKFLOW,
    ),
    Variant(
        "component-properties-refused",
        "no-more-errors",
        # the same, where CUE gives one error only: no "(and N more errors)" after it
        "invalid cue template of workload cache-1 after merge parameter and context: "
        "output.spec.forProvider.values.auth.database: conflicting values 5 and string",
        {
            "component": "cache-1",
            "field": "output.spec.forProvider.values.auth.database",
            "error": "conflicting values 5 and string",
        },
        WORKFLOW,
    ),
    Variant(
        "component-definition-schema-refused",
        "quote-in-the-error",
        # CUE's compile error may quote a name in double quotes (reference %q not found)
        "cannot store capability web-v3 in ConfigMap: failed to generate OpenAPI v3 JSON schema for capability "
        'web-v3: reference "paramter" not found',
        {"definition": "web-v3", "error": 'reference "paramter" not found'},
    ),
    Variant(
        "component-definition-schema-refused",
        "pg.v2-1",
        # kubevela pkg/oam/util/helper.go:70 'cannot store capability %s in ConfigMap: %v', over
        # pkg/controller/utils/capability.go 'failed to generate OpenAPI v3 JSON schema for capability %s: %w'
        "cannot store capability pg.v2-1 in ConfigMap: failed to generate OpenAPI v3 JSON schema for capability "
        "pg.v2-1: expected 'EOF', found ']'",
        {"definition": "pg.v2-1", "error": "expected 'EOF', found ']'"},
    ),
    Variant(
        "definition-revision-stuck",
        "web.v2-x",
        # kubevela pkg/oam/util/helper.go:94 'cannot generate DefinitionRevision of %s: %v', revison.go:275
        "cannot generate DefinitionRevision of web.v2-x: get the definitionRevision web.v2-x-v12: "
        + not_found("DefinitionRevision.core.oam.dev", "web.v2-x-v12"),
        {"definition": "web.v2-x", "revision": "web.v2-x-v12"},
    ),
)
