// Spells Roslyn symbols the way the listings do (CLR full names, "ref T", op_* names), so that a
// symbol bound in checked code can be looked up in ApiCatalog.MembersByKey / TypesByKey.
using System.Linq;
using Microsoft.CodeAnalysis;

namespace NfApiCheck;

internal static class SymbolKeys
{
    /// <summary>"System.Int32", "System.Byte[]", "System.Action&lt;T&gt;", "A.Outer.Inner".</summary>
    public static string ClrName(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol a => ClrName(a.ElementType) + (a.Rank == 1 ? "[]" : "[" + new string(',', a.Rank - 1) + "]"),
        IPointerTypeSymbol p => ClrName(p.PointedAtType) + "*",
        ITypeParameterSymbol tp => tp.Name,
        INamedTypeSymbol n => BaseName(n) + (n.TypeArguments.Length > 0 ? "<" + string.Join(", ", n.TypeArguments.Select(ClrName)) + ">" : ""),
        _ => type.ToDisplayString(),
    };

    /// <summary>Full name without type arguments: "System.Action".</summary>
    public static string BaseName(INamedTypeSymbol n)
    {
        if (n.ContainingType != null) return BaseName(n.ContainingType) + "." + n.Name;
        var ns = n.ContainingNamespace;
        return ns == null || ns.IsGlobalNamespace ? n.Name : ns.ToDisplayString() + "." + n.Name;
    }

    public static string TypeKey(INamedTypeSymbol n) => TypeNames.MetadataKey(BaseName(n.OriginalDefinition), n.Arity);

    private static string ParamKey(IParameterSymbol p) => ApiKeys.Param(p.RefKind switch
    {
        RefKind.Ref => "ref",
        RefKind.Out => "out",
        RefKind.In => "in",
        _ => "",
    }, ClrName(p.Type));

    /// <summary>The listing key of a member symbol, or null for symbols the listings never hold (locals, namespaces).</summary>
    public static string? MemberKey(ISymbol symbol)
    {
        symbol = symbol.OriginalDefinition;
        switch (symbol)
        {
            case IMethodSymbol m when m.MethodKind is MethodKind.PropertyGet or MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove or MethodKind.EventRaise:
                return m.AssociatedSymbol == null ? null : MemberKey(m.AssociatedSymbol);
            case IMethodSymbol m when m.MethodKind == MethodKind.ReducedExtension:
                return MemberKey(m.ReducedFrom!);
            case IMethodSymbol m:
            {
                string owner = ClrName(m.ContainingType);
                var ps = m.Parameters.Select(ParamKey);
                return m.MethodKind == MethodKind.Constructor
                    ? ApiKeys.Member(MemberKind.Ctor, owner, ".ctor", ps, null)
                    : ApiKeys.Member(MemberKind.Method, owner, m.MetadataName, ps, ClrName(m.ReturnType));
            }
            case IPropertySymbol p:
                return ApiKeys.Member(MemberKind.Property, ClrName(p.ContainingType), p.MetadataName, p.Parameters.Select(ParamKey), ClrName(p.Type));
            case IFieldSymbol f:
                return ApiKeys.Member(f.ContainingType.TypeKind == TypeKind.Enum ? MemberKind.EnumValue : MemberKind.Field, ClrName(f.ContainingType), f.Name, Enumerable.Empty<string>(), null);
            case IEventSymbol e:
                return ApiKeys.Member(MemberKind.Event, ClrName(e.ContainingType), e.Name, Enumerable.Empty<string>(), null);
            default:
                return null;
        }
    }
}
