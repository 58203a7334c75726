/**
 * The key that makes a person's name match whatever its case or Unicode form: NFC, then
 * toLowerCase. Made here, not by the database's lower(), which folds ASCII only on SQLite (and
 * on PostgreSQL depends on the database's locale): "Ärzte" and "ärzte" were one instructor on
 * one engine and two on the other.
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
