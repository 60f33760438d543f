using System.Text;

namespace SkillInference.Tests.Onnx;

/// <summary>
/// Writes small ONNX models byte by byte (the protobuf wire format of onnx.proto's ModelProto), for graphs no converter
/// here produces: pass-through "probability" outputs with chosen names and shapes, double inputs, ZipMap outputs.
/// Shapes use -1 for a free dimension (written as the symbolic dimension "N").
/// </summary>
internal static class TinyOnnx
{
    public const int FloatElement = 1;
    public const int Int64Element = 7;
    public const int DoubleElement = 11;

    /// <summary>One graph value: a tensor of <paramref name="ElementType"/>, or (when <paramref name="ZipMap"/>) a sequence of map&lt;int64, float&gt;.</summary>
    public sealed record Value(string Name, int ElementType, long[] Shape, bool ZipMap = false);

    /// <summary>A tensor value.</summary>
    public static Value Tensor(string name, int elementType, params long[] shape) => new(name, elementType, shape);

    /// <summary>One node.</summary>
    public sealed record Node(string OpType, string[] Inputs, string[] Outputs, string Domain = "", long[]? Int64sAttribute = null, string? AttributeName = null, long? Int64Attribute = null);

    /// <summary>Input copied to each output through Identity: <c>output = input</c>.</summary>
    public static byte[] PassThrough(Value input, params Value[] outputs) =>
        Model([input], outputs, [.. outputs.Select(o => new Node("Identity", [input.Name], [o.Name]))]);

    /// <summary>A float input passed through to <paramref name="output"/>, after an int64 cast of it named <paramref name="castName"/>.</summary>
    public static byte[] WithInt64CastFirst(Value input, string castName, Value output) =>
        Model(
            [input],
            [new Value(castName, Int64Element, input.Shape), output],
            [new Node("Cast", [input.Name], [castName], AttributeName: "to", Int64Attribute: Int64Element), new Node("Identity", [input.Name], [output.Name])]);

    /// <summary>A float [N, 2] input turned into a ZipMap output (what skl2onnx writes by default).</summary>
    public static byte[] WithZipMap(int features) =>
        Model(
            [Tensor("X", FloatElement, -1, features)],
            [new Value("output_probability", FloatElement, [], ZipMap: true)],
            [new Node("ZipMap", ["X"], ["output_probability"], "ai.onnx.ml", [0, 1], "classlabels_int64s")]);

    public static byte[] Model(Value[] inputs, Value[] outputs, Node[] nodes)
    {
        var graph = new Proto();
        foreach (var node in nodes)
        {
            var n = new Proto();
            foreach (var i in node.Inputs)
            {
                n.String(1, i);
            }

            foreach (var o in node.Outputs)
            {
                n.String(2, o);
            }

            n.String(4, node.OpType);
            if (node.Domain.Length > 0)
            {
                n.String(7, node.Domain);
            }

            if (node.Int64sAttribute is { } ints)
            {
                var attribute = new Proto().String(1, node.AttributeName!);
                foreach (var v in ints)
                {
                    attribute.Varint(8, v);
                }

                n.Message(5, attribute.Varint(20, 7));
            }

            if (node.Int64Attribute is { } single)
            {
                n.Message(5, new Proto().String(1, node.AttributeName!).Varint(3, single).Varint(20, 2));
            }

            graph.Message(1, n);
        }

        graph.String(2, "tiny");
        foreach (var input in inputs)
        {
            graph.Message(11, ValueInfo(input));
        }

        foreach (var output in outputs)
        {
            graph.Message(12, ValueInfo(output));
        }

        return new Proto()
            .Varint(1, 8)
            .String(2, "skillinference-tests")
            .Message(7, graph)
            .Message(8, new Proto().String(1, "").Varint(2, 17))
            .Message(8, new Proto().String(1, "ai.onnx.ml").Varint(2, 3))
            .ToArray();
    }

    private static Proto ValueInfo(Value value)
    {
        Proto type;
        if (value.ZipMap)
        {
            var floatTensor = new Proto().Message(1, new Proto().Varint(1, FloatElement));
            var map = new Proto().Varint(1, Int64Element).Message(2, floatTensor);
            type = new Proto().Message(4, new Proto().Message(1, new Proto().Message(5, map)));
        }
        else
        {
            var shape = new Proto();
            foreach (var d in value.Shape)
            {
                shape.Message(1, d < 0 ? new Proto().String(2, "N") : new Proto().Varint(1, d));
            }

            type = new Proto().Message(1, new Proto().Varint(1, value.ElementType).Message(2, shape));
        }

        return new Proto().String(1, value.Name).Message(2, type);
    }

    /// <summary>A protobuf message being written.</summary>
    private sealed class Proto
    {
        private readonly List<byte> _bytes = [];

        public Proto Varint(int field, long value)
        {
            Tag(field, 0);
            Raw((ulong)value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => [.. _bytes];

        private Proto Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            Raw((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        private void Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.Add((byte)value);
        }
    }
}
