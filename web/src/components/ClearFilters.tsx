/** The "Clear filters" button at the end of a list page's filter bar, shown only while a filter is set. */
export function ClearFilters({ shown, onClear }: { shown: boolean; onClear: () => void }) {
  if (!shown) return null;
  return (
    <div className="filter filter-action">
      <button type="button" className="button button-subtle" onClick={onClear}>Clear filters</button>
    </div>
  );
}
