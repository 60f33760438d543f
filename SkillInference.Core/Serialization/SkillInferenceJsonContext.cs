using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SkillInference.Bundles;
using SkillInference.Registry;
using SkillInference.Schema;

namespace SkillInference.Serialization;

/// <summary>
/// JSON for the documents SkillInference stores: manifests, the registry, feature specs.
/// </summary>
/// <remarks>
/// Reflection-based on purpose: the source generator sets every init-only property when it builds a record, so an
/// optional field absent from the JSON would become 0 or null instead of keeping its documented default (a missing
/// <c>min</c> would mean "min 0"). It writes the documents (publish, deploy) and reads feature lists; the registry and
/// manifests, read on every start, are read by <see cref="StoredDocumentReader"/>, which its tests hold to this.
/// </remarks>
internal sealed class SkillInferenceJsonContext
{
    private SkillInferenceJsonContext()
    {
        Options = new JsonSerializerOptions
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };
        Options.MakeReadOnly();
        BundleManifest = (JsonTypeInfo<BundleManifest>)Options.GetTypeInfo(typeof(BundleManifest));
        RegistryDocument = (JsonTypeInfo<RegistryDocument>)Options.GetTypeInfo(typeof(RegistryDocument));
        ListFeatureSpec = (JsonTypeInfo<List<FeatureSpec>>)Options.GetTypeInfo(typeof(List<FeatureSpec>));
    }

    public static SkillInferenceJsonContext Default { get; } = new();

    public JsonSerializerOptions Options { get; }

    public JsonTypeInfo<BundleManifest> BundleManifest { get; }

    public JsonTypeInfo<RegistryDocument> RegistryDocument { get; }

    public JsonTypeInfo<List<FeatureSpec>> ListFeatureSpec { get; }
}
