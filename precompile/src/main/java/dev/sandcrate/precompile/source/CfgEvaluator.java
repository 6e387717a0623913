package dev.sandcrate.precompile.source;

import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.source.RustTokens.Kind;
import dev.sandcrate.precompile.source.RustTokens.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Evaluates a {@code cfg(...)} predicate on a macro function for the artifact's build: the enabled features of
 * the macro crate (as cargo resolved them) and the target's cfg set ({@code rustc --print cfg --target ...}).
 * The harness must only reference macros that exist in this configuration.
 */
public final class CfgEvaluator {
    private final Set<String> features;
    private final Set<String> targetCfg;

    /** @param targetCfg lines of {@code rustc --print cfg}: {@code name} or {@code name="value"} */
    public CfgEvaluator(Set<String> features, Set<String> targetCfg) {
        this.features = features;
        this.targetCfg = targetCfg;
    }

    public boolean holds(String predicate) {
        List<Token> tokens = RustTokens.lex(predicate);
        int[] pos = {0};
        boolean result = eval(tokens, pos, predicate);
        if (pos[0] != tokens.size()) throw new PrecompileException("cannot read cfg(" + predicate + ")");
        return result;
    }

    private boolean eval(List<Token> t, int[] pos, String src) {
        if (pos[0] >= t.size() || t.get(pos[0]).kind() != Kind.IDENT) throw new PrecompileException("cannot read cfg(" + src + ")");
        String name = t.get(pos[0]++).text();
        if ((name.equals("all") || name.equals("any") || name.equals("not")) && pos[0] < t.size() && t.get(pos[0]).is("(")) {
            pos[0]++;
            List<Boolean> args = new ArrayList<>();
            while (!t.get(pos[0]).is(")")) {
                args.add(eval(t, pos, src));
                if (t.get(pos[0]).is(",")) pos[0]++;
            }
            pos[0]++;
            return switch (name) {
                case "all" -> args.stream().allMatch(b -> b);
                case "any" -> args.stream().anyMatch(b -> b);
                default -> {
                    if (args.size() != 1) throw new PrecompileException("cfg not(...) takes one predicate: " + src);
                    yield !args.getFirst();
                }
            };
        }
        if (pos[0] < t.size() && t.get(pos[0]).is("=")) {
            pos[0]++;
            String literal = t.get(pos[0]++).text();
            String value = literal.substring(1, literal.length() - 1);
            if (name.equals("feature")) return features.contains(value);
            return targetCfg.contains(name + "=\"" + value + "\"");
        }
        return targetCfg.contains(name);
    }
}
