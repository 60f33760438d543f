using System.Collections.Concurrent;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkillInference.Bundles;
using SkillInference.Engines;
using SkillInference.Onnx;
using SkillInference.Registry;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Onnx;

/// <summary>
/// ONNX versions of the sample FastTree models, converted by ML.NET's own <c>ConvertToOnnx</c> (once per skill per test
/// run), and onnx bundles built from them with the FastTree bundle's schema, scaler and statistics.
/// </summary>
internal static class OnnxTestModels
{
    /// <summary>The version the ONNX copy of a sample is published as (a MINOR bump: same schema).</summary>
    public const string Version = "1.1.0";

    private static readonly ConcurrentDictionary<string, Lazy<Task<byte[]>>> Converted = new(StringComparer.Ordinal);

    /// <summary>The sample FastTree model of <paramref name="skill"/> converted to ONNX.</summary>
    public static Task<byte[]> ConvertSampleAsync(string skill) =>
        Converted.GetOrAdd(skill, s => new Lazy<Task<byte[]>>(async () => Convert(await SampleStore.LoadBundleAsync(s)))).Value;

    /// <summary>
    /// Converts an mlnet bundle's model with <c>mlContext.Model.ConvertToOnnx</c>. The view passed has only the Features
    /// column unless <paramref name="extraInputColumn"/> (ConvertToOnnx makes every column of the view a graph input).
    /// </summary>
    public static byte[] Convert(ModelBundle mlnet, bool extraInputColumn = false)
    {
        var context = new MLContext(seed: 0);
        using var model = new MemoryStream(mlnet.ModelBytes.ToArray());
        var transformer = context.Model.Load(model, out _);
        var n = mlnet.Schema.Count;
        IDataView view;
        if (extraInputColumn)
        {
            var definition = SchemaDefinition.Create(typeof(RowWithWeight));
            definition[nameof(RowWithWeight.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, n);
            view = context.Data.LoadFromEnumerable([new RowWithWeight { Features = new float[n] }], definition);
        }
        else
        {
            var definition = SchemaDefinition.Create(typeof(MlNetReference.Row));
            definition[nameof(MlNetReference.Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, n);
            view = context.Data.LoadFromEnumerable([new MlNetReference.Row { Features = new float[n] }], definition);
        }

        using var onnx = new MemoryStream();
        context.Model.ConvertToOnnx(transformer, view, onnx);
        return onnx.ToArray();
    }

    /// <summary>An onnx bundle of the ONNX model with the FastTree bundle's schema, scaler and statistics.</summary>
    public static ModelBundle BuildBundle(ModelBundle mlnet, byte[] onnx, string version = Version) => OnnxBundleBuilder.Build(new OnnxImportRequest
    {
        Skill = mlnet.Skill,
        Version = version,
        Model = onnx,
        FeatureNames = [.. mlnet.Schema.Features.Select(f => f.Name)],
        FeatureSpecs = mlnet.Manifest.Features,
        Scaler = mlnet.Manifest.Scaler,
        Statistics = mlnet.Manifest.Statistics,
        Description = "The sample FastTree model, converted to ONNX by ML.NET.",
    });

    /// <summary>The onnx bundle of a sample skill.</summary>
    public static async Task<ModelBundle> SampleBundleAsync(string skill, string version = Version) =>
        BuildBundle(await SampleStore.LoadBundleAsync(skill), await ConvertSampleAsync(skill), version);

    /// <summary>A registry over a store that verifies onnx bundles too.</summary>
    public static ModelRegistry OpenRegistry(string storePath) =>
        new(new FileSystemModelStore(storePath), formats: [.. BuiltInModelFormats.Create(), OnnxModelFormats.Create()]);

    /// <summary>A private copy of the sample store where the ONNX copy of each given skill is published and deployed.</summary>
    public static async Task<string> StoreWithOnnxDeployedAsync(params string[] skills)
    {
        var path = SampleStore.Copy();
        var registry = OpenRegistry(path);
        var context = new ChangeContext("onnx-tests", "serve the ONNX copy");
        foreach (var skill in skills)
        {
            await registry.PublishAsync(await SampleBundleAsync(skill), context);
            await registry.DeployAsync(skill, Version, context);
        }

        return path;
    }

    public sealed class RowWithWeight
    {
        public float[] Features { get; set; } = [];

        public float Weight { get; set; }
    }
}
