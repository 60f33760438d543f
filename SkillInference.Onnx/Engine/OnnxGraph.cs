using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkillInference.Bundles;

namespace SkillInference.Onnx.Engine;

/// <summary>
/// Opens ONNX models on ONNX Runtime with this library's session settings, and works out (and checks) which input and
/// output SkillInference uses. Every refusal is a <see cref="BundleValidationException"/> of kind
/// <see cref="BundleValidationErrorKind.InvalidModel"/> that says what to change.
/// </summary>
internal static class OnnxGraph
{
    /// <summary>The largest model file opened (ONNX Runtime parses it natively: the size is checked before).</summary>
    public const int MaxModelBytes = 256 * 1024 * 1024;

    /// <summary>The widest input accepted (the schema's feature count is far below).</summary>
    public const int MaxFeatures = 100_000;

    /// <summary>Creates a session: one intra-op and one inter-op thread (requests are the parallelism), all graph optimizations.</summary>
    /// <param name="model">The model file's bytes.</param>
    /// <param name="what">The subject of error messages, e.g. "The ONNX model of collaboration@1.0.0".</param>
    public static InferenceSession CreateSession(ReadOnlyMemory<byte> model, string what)
    {
        if (model.IsEmpty)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"{what} is empty.");
        }

        if (model.Length > MaxModelBytes)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"{what} is {model.Length} bytes; at most {MaxModelBytes} are opened.");
        }

        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        try
        {
            return new InferenceSession(model.ToArray(), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new BundleValidationException(BundleValidationErrorKind.InvalidModel, $"{what} cannot be loaded by ONNX Runtime: {ex.Message}", innerException: ex);
        }
    }

    /// <summary>Resolves the input and output to use and checks them.</summary>
    /// <param name="session">The open session.</param>
    /// <param name="expectedFeatureCount">The schema's feature count, or null when it is not known yet (import without names).</param>
    /// <param name="settings">The manifest's choices, or null to choose by the documented rules.</param>
    /// <param name="what">The subject of error messages.</param>
    public static OnnxSignature Resolve(InferenceSession session, int? expectedFeatureCount, OnnxSettings? settings, string what)
    {
        ArgumentNullException.ThrowIfNull(session);
        var (inputName, featureCount, supportsBatch) = ResolveInput(session.InputMetadata, expectedFeatureCount, settings?.Input, what);
        var (outputName, width, positive) = ResolveOutput(session.OutputMetadata, settings, what);
        var rank = session.OutputMetadata[outputName].Dimensions.Length;
        return new OnnxSignature(inputName, featureCount, supportsBatch, outputName, width, rank, positive);
    }

    /// <summary>One line per graph value, e.g. <c>probabilities (float tensor [-1, 2])</c>.</summary>
    public static string List(IReadOnlyDictionary<string, NodeMetadata> values) =>
        string.Join(", ", values.Select(v => $"{v.Key} ({Describe(v.Value)})"));

    private static (string Name, int FeatureCount, bool SupportsBatch) ResolveInput(
        IReadOnlyDictionary<string, NodeMetadata> inputs, int? expected, string? wanted, string what)
    {
        if (inputs.Count != 1)
        {
            throw Invalid(
                $"{what} has {inputs.Count} inputs ({List(inputs)}), but SkillInference feeds exactly one: a float tensor [N, features] holding the whole feature vector. " +
                "Export the model with a single feature-vector input (with ML.NET's ConvertToOnnx, pass a data view that has only the Features column).");
        }

        var (name, meta) = inputs.First();
        if (wanted is not null && !string.Equals(wanted, name, StringComparison.Ordinal))
        {
            throw Invalid($"{what} has no input '{wanted}'; its only input is {name} ({Describe(meta)}). Use --input {name}, or leave it out.");
        }

        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
        {
            throw Invalid($"{what} has input {name} of type {Describe(meta)}, but it must be a float (float32) tensor [N, features]. Export the model with a float input (e.g. skl2onnx's FloatTensorType).");
        }

        var dims = meta.Dimensions;
        if (dims.Length != 2 || dims[0] is not (-1 or 1))
        {
            throw Invalid($"{what} has input {name} of shape {Shape(dims)}, but it must be [N, features], [-1, features] or [1, features].");
        }

        if (dims[1] == -1)
        {
            // A free width: only the schema can say how many features the graph expects.
            return expected is { } n
                ? (name, n, dims[0] == -1)
                : throw Invalid($"{what} has input {name} of shape {Shape(dims)}, whose width is not fixed; give the feature names or a schema so the width is known.");
        }

        if (dims[1] > MaxFeatures)
        {
            throw Invalid($"{what} has input {name} of shape {Shape(dims)}; at most {MaxFeatures} features are accepted.");
        }

        if (expected is { } count && dims[1] != count)
        {
            throw Invalid($"{what} takes {dims[1]} features (input {name} is {Shape(dims)}) but the schema lists {count}.");
        }

        return (name, dims[1], dims[0] == -1);
    }

    private static (string Name, int Width, int PositiveIndex) ResolveOutput(
        IReadOnlyDictionary<string, NodeMetadata> outputs, OnnxSettings? settings, string what)
    {
        if (settings?.Output is { } wanted)
        {
            if (!outputs.TryGetValue(wanted, out var meta))
            {
                throw Invalid($"{what} has no output '{wanted}'; its outputs are: {List(outputs)}.");
            }

            if (!meta.IsTensor)
            {
                throw Invalid(NotATensor(what, wanted, meta));
            }

            if (meta.ElementDataType != TensorElementType.Float)
            {
                throw Invalid($"{what} has output {wanted} of type {Describe(meta)}, but probabilities must be a float (float32) tensor [N, classes].");
            }

            var width = Width(meta.Dimensions)
                ?? throw Invalid($"{what} has output {wanted} of shape {Shape(meta.Dimensions)}; it must be [N, classes] with a fixed number of classes.");
            return (wanted, width, PositiveIndex(settings.PositiveIndex, width, wanted, what));
        }

        foreach (var (name, meta) in outputs)
        {
            if (name.Contains("prob", StringComparison.OrdinalIgnoreCase) && meta.IsTensor && meta.ElementDataType == TensorElementType.Float
                && Width(meta.Dimensions) is { } width && width is 1 or 2)
            {
                return (name, width, PositiveIndex(settings?.PositiveIndex, width, name, what));
            }
        }

        var zipMap = outputs.FirstOrDefault(o => !o.Value.IsTensor && o.Value.OnnxValueType is OnnxValueType.ONNX_TYPE_SEQUENCE or OnnxValueType.ONNX_TYPE_MAP);
        if (zipMap.Key is not null)
        {
            throw Invalid(NotATensor(what, zipMap.Key, zipMap.Value));
        }

        throw Invalid(
            $"{what} has no usable probability output: none of its outputs ({List(outputs)}) is a float tensor [N, 2] or [N, 1] whose name contains 'prob'. " +
            "Name the output to use with --output NAME (and the positive class's column with --positive-index).");
    }

    private static int PositiveIndex(int? given, int width, string output, string what)
    {
        if (given is { } index)
        {
            return index >= 0 && index < width
                ? index
                : throw Invalid($"{what}: positive index {index} is outside output {output}, which has {width} column(s) (0..{width - 1}).");
        }

        return width switch
        {
            2 => 1,
            1 => 0,
            _ => throw Invalid($"{what} has output {output} with {width} columns; say which is the positive class with --positive-index."),
        };
    }

    private static string NotATensor(string what, string name, NodeMetadata meta) =>
        $"{what} has output {name} of type {Describe(meta)}: a ZipMap (a sequence of maps from class to probability), not a float tensor. " +
        "Export the classifier with the ZipMap disabled so the probabilities are a float tensor [N, 2] " +
        "(skl2onnx: options={id(model): {'zipmap': False}}; onnxmltools: remove the ZipMap node), or choose a tensor output with --output.";

    private static int? Width(int[] dims) => dims switch
    {
        [-1 or 1] => 1,
        [_, > 0 and var w] => w,
        _ => null,
    };

    private static string Describe(NodeMetadata meta) => meta.OnnxValueType switch
    {
        OnnxValueType.ONNX_TYPE_TENSOR => $"{Element(meta.ElementDataType)} tensor {Shape(meta.Dimensions)}",
        OnnxValueType.ONNX_TYPE_SEQUENCE => "sequence",
        OnnxValueType.ONNX_TYPE_MAP => "map",
        var other => other.ToString(),
    };

    private static string Element(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float",
        TensorElementType.Double => "double",
        TensorElementType.Int64 => "int64",
        TensorElementType.Int32 => "int32",
        TensorElementType.String => "string",
        TensorElementType.Bool => "bool",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string Shape(int[] dims) => "[" + string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    private static BundleValidationException Invalid(string message) => new(BundleValidationErrorKind.InvalidModel, message);
}
