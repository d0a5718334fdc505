declare module 'zipcodes' {
  interface ZipInfo { zip: string; latitude: number; longitude: number; city: string; state: string; country: string }
  const zipcodes: {
    lookup(zip: string | number): ZipInfo | undefined;
    codes: Record<string, ZipInfo>;
    states: { full: Record<string, string>; abbr: Record<string, string> }; // 'CALIFORNIA' -> 'CA' and back
  };
  export default zipcodes;
}
