using System.Text.Json;
using System.Text.Json.Serialization;
using SkillInference.Bundles;
using SkillInference.Registry;

namespace SkillInference.Serialization;

/// <summary>Source-generated JSON for the documents SkillInference stores: manifests and the registry.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BundleManifest))]
[JsonSerializable(typeof(RegistryDocument))]
[JsonSerializable(typeof(List<Schema.FeatureSpec>))]
internal sealed partial class SkillInferenceJsonContext : JsonSerializerContext;
